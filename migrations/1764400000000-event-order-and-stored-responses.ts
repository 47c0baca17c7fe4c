import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - record_events.seq: the order events were written in. Event times come from
 *   clocks; the history lists by seq, so it is in order whatever the clocks say.
 * - idempotency_keys.response_body becomes text: a replay sends the exact bytes
 *   first sent (jsonb would reorder keys). The unused response_location goes.
 */
export class EventOrderAndStoredResponses1764400000000 implements MigrationInterface {
  name = 'EventOrderAndStoredResponses1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE record_events ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY`,
    );
    await queryRunner.query(
      `ALTER TABLE record_events ALTER COLUMN at SET DEFAULT clock_timestamp()`,
    );
    await queryRunner.query(`DROP INDEX record_events_record_idx`);
    await queryRunner.query(
      `CREATE INDEX record_events_record_seq_idx ON record_events (record_id, seq)`,
    );
    await queryRunner.query(`ALTER TABLE idempotency_keys DROP COLUMN response_location`);
    await queryRunner.query(
      `ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE text USING response_body::text`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE idempotency_keys ALTER COLUMN response_body TYPE jsonb USING response_body::jsonb`,
    );
    await queryRunner.query(`ALTER TABLE idempotency_keys ADD COLUMN response_location text`);
    await queryRunner.query(`DROP INDEX record_events_record_seq_idx`);
    await queryRunner.query(
      `CREATE INDEX record_events_record_idx ON record_events (record_id, at)`,
    );
    await queryRunner.query(`ALTER TABLE record_events ALTER COLUMN at SET DEFAULT now()`);
    await queryRunner.query(`ALTER TABLE record_events DROP COLUMN seq`);
  }
}
