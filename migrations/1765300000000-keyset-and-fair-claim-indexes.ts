import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for cursor (keyset) paging and the worker's fair claim:
 * - (status, id), (category, id), (source, id): every sort the list offers walks an index
 *   in order (created_at has records_created_idx), whatever the filters, and a cursor's
 *   row comparison `(column, id) > ($1, $2)` seeks into it: page 10,000 costs what page 1 does;
 * - (category, created_at, id): one category, newest first (the default sort), at any depth;
 * - (source, created_at, id) over pending records only: the claim visits each waiting source
 *   (a skip scan) and takes its oldest records, so one source cannot starve the others.
 */
export class KeysetAndFairClaimIndexes1765300000000 implements MigrationInterface {
  name = 'KeysetAndFairClaimIndexes1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const statement of KEYSET_AND_FAIR_CLAIM_INDEXES) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const name of [
      'records_status_id_idx',
      'records_category_id_idx',
      'records_source_id_idx',
      'records_category_created_idx',
      'records_pending_source_idx',
    ]) {
      await queryRunner.query(`DROP INDEX ${name}`);
    }
  }
}

export const KEYSET_AND_FAIR_CLAIM_INDEXES = [
  `CREATE INDEX records_status_id_idx ON records (status, id)`,
  `CREATE INDEX records_category_id_idx ON records (category, id)`,
  `CREATE INDEX records_source_id_idx ON records (source, id)`,
  `CREATE INDEX records_category_created_idx ON records (category, created_at, id)`,
  `CREATE INDEX records_pending_source_idx ON records (source, created_at, id) WHERE status = 'pending'`,
];
