import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Time-ordered ids. The service makes record ids itself (UUIDv7, newRecordId());
 * rows inserted by SQL (scripts, back-fills, the benchmark's loader) get the same
 * kind from the column default: gen_uuid_v7(), the Unix time in milliseconds in the
 * first 48 bits, then random bits, with version 7 and the RFC 9562 variant. Built
 * from gen_random_uuid() (a v4: variant already set) by overwriting the time bytes
 * and turning version 4 (0100) into 7 (0111). PostgreSQL 18's built-in uuidv7()
 * does the same; this one works on 13 and later.
 *
 * Existing ids stay as they are: they are still UUIDs, and a v4 id and a v7 id
 * never collide. record_events ids become time-ordered too (same index argument).
 */
export class TimeOrderedIds1764500000000 implements MigrationInterface {
  name = 'TimeOrderedIds1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION gen_uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
        SELECT encode(
                 set_bit(set_bit(
                   overlay(uuid_send(gen_random_uuid())
                           PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                           FROM 1 FOR 6),
                   52, 1), 53, 1),
                 'hex')::uuid
      $$
    `);
    await queryRunner.query(`ALTER TABLE records ALTER COLUMN id SET DEFAULT gen_uuid_v7()`);
    await queryRunner.query(`ALTER TABLE record_events ALTER COLUMN id SET DEFAULT gen_uuid_v7()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE record_events ALTER COLUMN id SET DEFAULT gen_random_uuid()`,
    );
    await queryRunner.query(`ALTER TABLE records ALTER COLUMN id SET DEFAULT gen_random_uuid()`);
    await queryRunner.query(`DROP FUNCTION gen_uuid_v7()`);
  }
}
