import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context (`traceparent`) of the request that created a record, when
 * tracing is on (README, Observability): the worker's `process records` span, on any
 * instance and however much later, links to it, and webhook deliveries continue it.
 * Nullable, no default: adding it rewrites nothing, and records created with tracing
 * off (or before this migration) simply have none.
 */
export class RecordTraceparent1765400000000 implements MigrationInterface {
  name = 'RecordTraceparent1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE records ADD COLUMN traceparent text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE records DROP COLUMN traceparent`);
  }
}
