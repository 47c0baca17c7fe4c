import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency-Key claims and stored responses, shared by every instance.
 * A row is in flight while response_status is NULL (until locked_until, after
 * which another request may take it over), then holds the stored response
 * until expires_at.
 */
export class IdempotencyKeys1764300000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        scope             text NOT NULL,
        key               text NOT NULL,
        fingerprint       text NOT NULL,
        claim             uuid NOT NULL,
        locked_until      timestamptz NOT NULL,
        response_status   integer,
        response_body     jsonb,
        response_location text,
        created_at        timestamptz NOT NULL DEFAULT now(),
        expires_at        timestamptz NOT NULL,
        PRIMARY KEY (scope, key)
      )
    `);
    await queryRunner.query(
      `CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys`);
  }
}
