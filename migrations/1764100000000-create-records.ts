import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRecords1764100000000 implements MigrationInterface {
  name = 'CreateRecords1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE records (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        processed_at   timestamptz,
        status         text NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'processed', 'failed')),
        source         text NOT NULL CHECK (char_length(source) BETWEEN 1 AND 64),
        category       text NOT NULL CHECK (char_length(category) BETWEEN 1 AND 64),
        payload        jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
        classification text,
        score          numeric(3, 2) CHECK (score BETWEEN 0 AND 1),
        error          text,
        attempts       integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        -- The outcome columns always agree with the status.
        CONSTRAINT records_outcome_matches_status CHECK (
          (status = 'pending' AND processed_at IS NULL AND classification IS NULL
            AND score IS NULL AND error IS NULL)
          OR (status = 'processed' AND processed_at IS NOT NULL AND classification IS NOT NULL
            AND score IS NOT NULL AND error IS NULL)
          OR (status = 'failed' AND processed_at IS NOT NULL AND classification IS NULL
            AND score IS NULL AND error IS NOT NULL)
        )
      )
    `);
    // Filtered listing newest first (status + category is the common dashboard query).
    await queryRunner.query(
      `CREATE INDEX records_status_category_created_idx ON records (status, category, created_at, id)`,
    );
    // Unfiltered listing by time, and index-only counts over a time range.
    await queryRunner.query(
      `CREATE INDEX records_created_idx ON records (created_at, id) INCLUDE (status, category, source)`,
    );
    // The worker's queue: small, because processed records leave it.
    await queryRunner.query(
      `CREATE INDEX records_pending_idx ON records (created_at, id) WHERE status = 'pending'`,
    );

    await queryRunner.query(`
      CREATE TABLE record_events (
        id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        record_id   uuid NOT NULL REFERENCES records (id) ON DELETE CASCADE,
        from_status text CHECK (from_status IN ('pending', 'processed', 'failed')),
        to_status   text NOT NULL CHECK (to_status IN ('pending', 'processed', 'failed')),
        attempt     integer NOT NULL,
        at          timestamptz NOT NULL DEFAULT now(),
        request_id  text,
        error       text
      )
    `);
    await queryRunner.query(
      `CREATE INDEX record_events_record_idx ON record_events (record_id, at)`,
    );
    // Exactly once, enforced by the database even if the code were wrong:
    // a record is created once, and leaves 'pending' at most once per attempt.
    await queryRunner.query(
      `CREATE UNIQUE INDEX record_events_one_creation ON record_events (record_id) WHERE from_status IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX record_events_one_exit_per_attempt ON record_events (record_id, attempt) WHERE from_status = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE record_events`);
    await queryRunner.query(`DROP TABLE records`);
  }
}
