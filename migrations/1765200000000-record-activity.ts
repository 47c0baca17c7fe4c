import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hourly activity for GET /reports/timeseries, kept exact by statement-level
 * triggers (transition tables) in the same transaction as every write, so the
 * report never scans records or record_events:
 *
 * - record_activity: per UTC hour, category, source (and slot, as record_counts):
 *   `created` (records by created_at, kept by triggers on records, so it always
 *   agrees with the summary's counts), `processed` and `failed` (events
 *   pending -> processed / failed by their `at`) and `retried` (events failed ->
 *   pending), kept by triggers on record_events, with the record's category and
 *   source joined in.
 * - Deleting records deletes their events by the foreign key's cascade. PostgreSQL
 *   fires the records' delete trigger first (the events are gone by then) and the
 *   events' trigger after it (the records are gone by then), so the records' trigger
 *   parks the deleted rows' id, category and source in a temporary table of the
 *   session (emptied at commit, invisible to others), and the events' trigger finds
 *   the category and source of the events whose record is gone there.
 *
 * Every trigger aggregates its statement's rows at once (a batch create or a
 * set-based worker costs one upsert per touched key, not one per row).
 */
export class RecordActivity1765200000000 implements MigrationInterface {
  name = 'RecordActivity1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE record_activity (
        hour      timestamptz NOT NULL,
        category  text NOT NULL,
        source    text NOT NULL,
        slot      smallint NOT NULL,
        created   bigint NOT NULL DEFAULT 0,
        processed bigint NOT NULL DEFAULT 0,
        failed    bigint NOT NULL DEFAULT 0,
        retried   bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (hour, category, source, slot)
      )
    `);
    for (const statement of ACTIVITY_FUNCTIONS) await queryRunner.query(statement);
    for (const statement of ACTIVITY_TRIGGERS) await queryRunner.query(statement);
    // What already happened: the records and events that exist before this migration.
    await queryRunner.query(
      addToActivity(
        `${createdOf('', 'records')} UNION ALL ${transitionsOf('', 'record_events')}`,
        '0',
      ),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [trigger, table] of [
      ['record_activity_records_insert', 'records'],
      ['record_activity_records_delete', 'records'],
      ['record_activity_records_update', 'records'],
      ['record_activity_records_truncate', 'records'],
      ['record_activity_events_insert', 'record_events'],
      ['record_activity_events_delete', 'record_events'],
      ['record_activity_events_update', 'record_events'],
      ['record_activity_events_truncate', 'record_events'],
    ]) {
      await queryRunner.query(`DROP TRIGGER ${trigger} ON ${table}`);
    }
    await queryRunner.query(
      `DROP FUNCTION record_activity_on_records_insert(), record_activity_on_records_delete(),
         record_activity_on_records_update(), record_activity_on_records_truncate(),
         record_activity_on_events_insert(), record_activity_on_events_delete(),
         record_activity_on_events_update(), record_activity_on_events_truncate()`,
    );
    await queryRunner.query(`DROP TABLE record_activity`);
  }
}

/** A relation of records as activity deltas: `created` +1 (or -1) in its creation hour. */
const createdOf = (sign: string, rows: string) =>
  `SELECT date_trunc('hour', created_at, 'UTC') AS hour, category, source,
          ${sign}1 AS created, 0 AS processed, 0 AS failed, 0 AS retried FROM ${rows}`;

/** The counters one event adds: which transition it records. */
const kinds = (sign: string, e: string) => `
  ${sign}(${e}.from_status = 'pending' AND ${e}.to_status = 'processed')::int AS processed,
  ${sign}(${e}.from_status = 'pending' AND ${e}.to_status = 'failed')::int AS failed,
  ${sign}(${e}.from_status = 'failed' AND ${e}.to_status = 'pending')::int AS retried`;

/** A relation of events as activity deltas, with their record's category and source. */
const transitionsOf = (sign: string, rows: string) =>
  `SELECT date_trunc('hour', e.at, 'UTC') AS hour, r.category, r.source, 0 AS created, ${kinds(sign, 'e')}
     FROM ${rows} e JOIN records r ON r.id = e.record_id WHERE e.from_status IS NOT NULL`;

/**
 * Adds a delta (rows of hour, category, source, created, processed, failed, retried)
 * to record_activity, upserted in key order (two writers sharing a slot lock the
 * rows in the same order and cannot deadlock), as record_counts does.
 */
const addToActivity = (delta: string, slot: string, withClause = '') => `
  ${withClause}
  INSERT INTO record_activity AS a (hour, category, source, slot, created, processed, failed, retried)
  SELECT hour, category, source, ${slot}, sum(created), sum(processed), sum(failed), sum(retried)
    FROM (${delta}) AS delta
   GROUP BY hour, category, source
  HAVING sum(created) <> 0 OR sum(processed) <> 0 OR sum(failed) <> 0 OR sum(retried) <> 0
   ORDER BY hour, category, source
  ON CONFLICT (hour, category, source, slot) DO UPDATE
     SET created = a.created + EXCLUDED.created, processed = a.processed + EXCLUDED.processed,
         failed = a.failed + EXCLUDED.failed, retried = a.retried + EXCLUDED.retried;`;

const fn = (name: string, body: string) => `
  CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    my_slot smallint := pg_backend_pid() % 16;
  BEGIN
    ${body}
    RETURN NULL;
  END $$`;

/** Records whose created_at, category or source an update changed (never the service's updates). */
const MOVED = `old_rows o JOIN new_rows n ON n.id = o.id
  WHERE (o.created_at, o.category, o.source) IS DISTINCT FROM (n.created_at, n.category, n.source)`;

const ACTIVITY_FUNCTIONS = [
  fn('record_activity_on_records_insert', addToActivity(createdOf('', 'new_rows'), 'my_slot')),
  // Its creations; and the deleted rows parked for the events' trigger (see above).
  fn(
    'record_activity_on_records_delete',
    `${addToActivity(createdOf('-', 'old_rows'), 'my_slot')}
     IF to_regclass('pg_temp.record_activity_deleting') IS NULL THEN
       CREATE TEMP TABLE record_activity_deleting (id uuid PRIMARY KEY, category text, source text)
         ON COMMIT DELETE ROWS;
     END IF;
     EXECUTE $sql$INSERT INTO pg_temp.record_activity_deleting SELECT id, category, source FROM old_rows
              ON CONFLICT (id) DO NOTHING$sql$;`,
  ),
  // Processing and retrying change none of the keys: one join of the statement's rows
  // finds that, and nothing is written. A key that did change moves the record's
  // creation and (for category and source) its events' counts.
  fn(
    'record_activity_on_records_update',
    `IF EXISTS (SELECT 1 FROM ${MOVED}) THEN
       ${addToActivity(
         `SELECT date_trunc('hour', o.created_at, 'UTC') AS hour, o.category, o.source,
                 -1 AS created, 0 AS processed, 0 AS failed, 0 AS retried FROM ${MOVED}
          UNION ALL
          SELECT date_trunc('hour', n.created_at, 'UTC'), n.category, n.source, 1, 0, 0, 0 FROM ${MOVED}
          UNION ALL
          SELECT date_trunc('hour', e.at, 'UTC'), o.category, o.source, 0, ${kinds('-', 'e')}
            FROM ${MOVED.replace('WHERE', 'JOIN record_events e ON e.record_id = o.id WHERE e.from_status IS NOT NULL AND')}
          UNION ALL
          SELECT date_trunc('hour', e.at, 'UTC'), n.category, n.source, 0, ${kinds('', 'e')}
            FROM ${MOVED.replace('WHERE', 'JOIN record_events e ON e.record_id = o.id WHERE e.from_status IS NOT NULL AND')}`,
         'my_slot',
       )}
     END IF;`,
  ),
  `CREATE FUNCTION record_activity_on_records_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     DELETE FROM record_activity;
     RETURN NULL;
   END $$`,
  fn('record_activity_on_events_insert', addToActivity(transitionsOf('', 'new_rows'), 'my_slot')),
  // Events of records still there, with their record's category and source; those
  // whose record this statement deleted (the cascade), with the parked ones.
  fn(
    'record_activity_on_events_delete',
    `${addToActivity(transitionsOf('-', 'old_rows'), 'my_slot')}
     IF to_regclass('pg_temp.record_activity_deleting') IS NOT NULL THEN
       EXECUTE $sql$${addToActivity(
         transitionsOf('-', 'old_rows').replace(
           'JOIN records r ON r.id',
           'JOIN pg_temp.record_activity_deleting r ON r.id',
         ),
         '$1',
       )}$sql$ USING my_slot;
     END IF;`,
  ),
  fn(
    'record_activity_on_events_update',
    addToActivity(
      `${transitionsOf('-', 'old_rows')} UNION ALL ${transitionsOf('', 'new_rows')}`,
      'my_slot',
    ),
  ),
  `CREATE FUNCTION record_activity_on_events_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE record_activity SET processed = 0, failed = 0, retried = 0
      WHERE processed <> 0 OR failed <> 0 OR retried <> 0;
     RETURN NULL;
   END $$`,
];

/**
 * The triggers on records, as this migration creates them: exported for the partition
 * script, which moves them to the partitioned table (the functions stay).
 */
export const ACTIVITY_RECORDS_TRIGGERS = [
  `CREATE TRIGGER record_activity_records_insert AFTER INSERT ON records
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_activity_on_records_insert()`,
  `CREATE TRIGGER record_activity_records_delete AFTER DELETE ON records
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_activity_on_records_delete()`,
  `CREATE TRIGGER record_activity_records_update AFTER UPDATE ON records
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION record_activity_on_records_update()`,
  `CREATE TRIGGER record_activity_records_truncate AFTER TRUNCATE ON records
     FOR EACH STATEMENT EXECUTE FUNCTION record_activity_on_records_truncate()`,
];

const ACTIVITY_TRIGGERS = [
  ...ACTIVITY_RECORDS_TRIGGERS,
  `CREATE TRIGGER record_activity_events_insert AFTER INSERT ON record_events
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_activity_on_events_insert()`,
  `CREATE TRIGGER record_activity_events_delete AFTER DELETE ON record_events
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_activity_on_events_delete()`,
  `CREATE TRIGGER record_activity_events_update AFTER UPDATE ON record_events
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION record_activity_on_events_update()`,
  `CREATE TRIGGER record_activity_events_truncate AFTER TRUNCATE ON record_events
     FOR EACH STATEMENT EXECUTE FUNCTION record_activity_on_events_truncate()`,
];
