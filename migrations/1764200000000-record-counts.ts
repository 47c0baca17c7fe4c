import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exact counts for the summary, kept by statement-level triggers in the same
 * transaction as every write to records, so a summary never scans the table:
 *
 * - record_counts: by UTC day, category, source and status (date-filtered summaries);
 * - record_totals: the same without the day (unfiltered summaries, list totals).
 *
 * Each key is split into 16 slots chosen by backend pid, so concurrent writers on
 * different connections rarely wait for the same counter row ("today" is hot).
 * Statement-level triggers see all rows of a statement at once (transition
 * tables), so a bulk insert or delete costs one aggregate, not one update per row.
 */
export class RecordCounts1764200000000 implements MigrationInterface {
  name = 'RecordCounts1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE record_counts (
        day      date NOT NULL,
        category text NOT NULL,
        source   text NOT NULL,
        status   text NOT NULL,
        slot     smallint NOT NULL,
        n        bigint NOT NULL,
        PRIMARY KEY (day, category, source, status, slot)
      )
    `);
    await queryRunner.query(`
      CREATE TABLE record_totals (
        category text NOT NULL,
        source   text NOT NULL,
        status   text NOT NULL,
        slot     smallint NOT NULL,
        n        bigint NOT NULL,
        PRIMARY KEY (category, source, status, slot)
      )
    `);
    await queryRunner.query(`
      CREATE TYPE record_count_change AS (day date, category text, source text, status text, n bigint)
    `);
    // Rows are added in key order, so two writers that share a slot lock counter
    // rows in the same order and cannot deadlock.
    await queryRunner.query(`
      CREATE FUNCTION record_counts_add(changes record_count_change[]) RETURNS void
      LANGUAGE sql AS $$
        WITH delta AS (
          SELECT day, category, source, status, sum(n) AS n, (pg_backend_pid() % 16)::smallint AS slot
            FROM unnest(changes)
           GROUP BY day, category, source, status
          HAVING sum(n) <> 0
        ), by_day AS (
          INSERT INTO record_counts AS c (day, category, source, status, slot, n)
          SELECT day, category, source, status, slot, n FROM delta
           ORDER BY day, category, source, status
          ON CONFLICT (day, category, source, status, slot) DO UPDATE SET n = c.n + EXCLUDED.n
        )
        INSERT INTO record_totals AS t (category, source, status, slot, n)
        SELECT category, source, status, min(slot), sum(n)::bigint FROM delta
         GROUP BY category, source, status
         ORDER BY category, source, status
        ON CONFLICT (category, source, status, slot) DO UPDATE SET n = t.n + EXCLUDED.n
      $$
    `);
    const change = (sign: string, rows: string) =>
      `SELECT ROW((created_at AT TIME ZONE 'UTC')::date, category, source, status, ${sign}count(*))::record_count_change
         FROM ${rows} GROUP BY (created_at AT TIME ZONE 'UTC')::date, category, source, status`;
    await queryRunner.query(`
      CREATE FUNCTION record_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM record_counts_add(array(${change('', 'new_rows')}));
        RETURN NULL;
      END $$
    `);
    await queryRunner.query(`
      CREATE FUNCTION record_counts_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM record_counts_add(array(${change('-', 'old_rows')}));
        RETURN NULL;
      END $$
    `);
    await queryRunner.query(`
      CREATE FUNCTION record_counts_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM record_counts_add(array(${change('', 'new_rows')} UNION ALL ${change('-', 'old_rows')}));
        RETURN NULL;
      END $$
    `);
    await queryRunner.query(`
      CREATE FUNCTION record_counts_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM record_counts;
        DELETE FROM record_totals;
        RETURN NULL;
      END $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER record_counts_insert AFTER INSERT ON records
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_counts_on_insert()
    `);
    await queryRunner.query(`
      CREATE TRIGGER record_counts_delete AFTER DELETE ON records
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_counts_on_delete()
    `);
    await queryRunner.query(`
      CREATE TRIGGER record_counts_update AFTER UPDATE ON records
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION record_counts_on_update()
    `);
    await queryRunner.query(`
      CREATE TRIGGER record_counts_truncate AFTER TRUNCATE ON records
        FOR EACH STATEMENT EXECUTE FUNCTION record_counts_on_truncate()
    `);
    // Counts for records that existed before this migration.
    await queryRunner.query(`
      SELECT record_counts_add(array(${change('', 'records')}))
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER record_counts_insert ON records`);
    await queryRunner.query(`DROP TRIGGER record_counts_delete ON records`);
    await queryRunner.query(`DROP TRIGGER record_counts_update ON records`);
    await queryRunner.query(`DROP TRIGGER record_counts_truncate ON records`);
    await queryRunner.query(
      `DROP FUNCTION record_counts_on_insert(), record_counts_on_delete(), record_counts_on_update(), record_counts_on_truncate()`,
    );
    await queryRunner.query(`DROP FUNCTION record_counts_add(record_count_change[])`);
    await queryRunner.query(`DROP TYPE record_count_change`);
    await queryRunner.query(`DROP TABLE record_totals`);
    await queryRunner.query(`DROP TABLE record_counts`);
  }
}
