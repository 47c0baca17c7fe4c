/**
 * `records` partitioned by range of id. A UUIDv7 starts with its creation time in
 * milliseconds, so the ids of one UTC month are one range, and each partition holds
 * one month of records; the primary key stays `id` alone (the partition key is id).
 *
 * - convert: turns the plain table into the partitioned one (one transaction, the
 *   table locked while its rows are copied): monthly partitions from this month to
 *   `monthsAhead` months ahead, and a DEFAULT partition for every other id (random
 *   v4 ids of older records, v7 ids from before the conversion). The rollup triggers
 *   move to the partitioned table; the rollups already count the copied rows.
 * - extend: adds the monthly partitions up to `monthsAhead` months ahead. Run it
 *   from a scheduler (monthly or daily): an id whose month has no partition lands in
 *   the default partition, which works but is not dropped by retention.
 * - dropBefore: retention. Drops each monthly partition that ends on or before the
 *   cutoff, subtracting its rows from the rollups and deleting their events in the
 *   same transaction, and deletes the default partition's records created before it.
 *
 * Rollup counts stay exact: DROP TABLE fires no DELETE trigger, so dropBefore
 * subtracts what the partition holds (grouped exactly as the triggers group) before
 * dropping it, with the table locked so no write slips in between; its events are
 * deleted through record_events' triggers, which subtract them from record_activity.
 */
import { KEYSET_AND_FAIR_CLAIM_INDEXES } from '../../migrations/1765300000000-keyset-and-fair-claim-indexes';
import { Client, ClientBase } from 'pg';
import { ACTIVITY_RECORDS_TRIGGERS } from '../../migrations/1765200000000-record-activity';

const PARTITION_NAME = /^records_y(\d{4})m(\d{2})$/;

/** The smallest UUIDv7 of the millisecond `at` (its 48-bit time, the rest zero). */
export function uuidV7Bound(at: Date): string {
  const hex = at.getTime().toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** The first instant of the UTC month `offset` months after the one `at` is in. */
export function monthStart(at: Date, offset = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

export const partitionName = (month: Date) =>
  `records_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;

/**
 * The rollup triggers on records, as migrations 1764200000000 and 1765200000000 create
 * them (the functions stay; record_activity's triggers on record_events stay too).
 */
const ROLLUP_TRIGGERS = [
  `CREATE TRIGGER record_counts_insert AFTER INSERT ON records
     REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION record_counts_on_insert()`,
  `CREATE TRIGGER record_counts_delete AFTER DELETE ON records
     REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION record_counts_on_delete()`,
  `CREATE TRIGGER record_counts_update AFTER UPDATE ON records
     REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
     FOR EACH STATEMENT EXECUTE FUNCTION record_counts_on_update()`,
  `CREATE TRIGGER record_counts_truncate AFTER TRUNCATE ON records
     FOR EACH STATEMENT EXECUTE FUNCTION record_counts_on_truncate()`,
  ...ACTIVITY_RECORDS_TRIGGERS,
];

/** The secondary indexes, as migrations 1764100000000 and 1765300000000 create them. */
const INDEXES = [
  ...KEYSET_AND_FAIR_CLAIM_INDEXES,
  `CREATE INDEX records_status_category_created_idx ON records (status, category, created_at, id)`,
  `CREATE INDEX records_created_idx ON records (created_at, id) INCLUDE (status, category, source)`,
  `CREATE INDEX records_pending_idx ON records (created_at, id) WHERE status = 'pending'`,
];

async function inTransaction<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

export async function isPartitioned(client: ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ kind: string }>(
    `SELECT relkind AS kind FROM pg_class WHERE oid = 'records'::regclass`,
  );
  return rows[0].kind === 'p';
}

/** The monthly partitions, oldest first, with their bounds. */
export async function monthlyPartitions(
  client: ClientBase,
): Promise<{ name: string; from: Date; to: Date }[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'records'::regclass ORDER BY c.relname`,
  );
  return rows.flatMap(({ name }) => {
    const match = PARTITION_NAME.exec(name);
    if (!match) return [];
    const from = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
    return [{ name, from, to: monthStart(from, 1) }];
  });
}

/**
 * Adds the partition of `month`. Records already in the default partition whose ids
 * fall in its range (random v4 ids can) move into it, with their events; rows move
 * partition to partition directly, so no rollup trigger counts them twice.
 */
async function addMonth(client: ClientBase, month: Date): Promise<void> {
  const name = partitionName(month);
  const [from, to] = [uuidV7Bound(month), uuidV7Bound(monthStart(month, 1))];
  await client.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
  await client.query(
    `CREATE TEMP TABLE moving_records ON COMMIT DROP AS
       SELECT * FROM records_default WHERE id >= $1 AND id < $2`,
    [from, to],
  );
  await client.query(
    `CREATE TEMP TABLE moving_events ON COMMIT DROP AS
       SELECT * FROM record_events WHERE record_id IN (SELECT id FROM moving_records)`,
  );
  // Their events first, through record_events' triggers (which subtract them from
  // record_activity while their records are still there); they come back below, and
  // the same triggers add them again.
  await client.query(
    `DELETE FROM record_events WHERE record_id IN (SELECT id FROM moving_records)`,
  );
  await client.query(`DELETE FROM records_default WHERE id >= $1 AND id < $2`, [from, to]);
  await client.query(
    `CREATE TABLE ${name} PARTITION OF records FOR VALUES FROM ('${from}') TO ('${to}')`,
  );
  await client.query(`INSERT INTO ${name} SELECT * FROM moving_records`);
  // Events that move are not news: the webhook fan-out must not send them again.
  await client.query('ALTER TABLE record_events DISABLE TRIGGER webhook_fan_out');
  await client.query(
    `INSERT INTO record_events OVERRIDING SYSTEM VALUE SELECT * FROM moving_events`,
  );
  await client.query('ALTER TABLE record_events ENABLE TRIGGER webhook_fan_out');
}

/** Adds every missing monthly partition from this month to `monthsAhead` ahead; their names. */
export async function extend(
  client: ClientBase,
  monthsAhead = 3,
  now = new Date(),
): Promise<string[]> {
  const existing = new Set((await monthlyPartitions(client)).map((p) => p.name));
  const added: string[] = [];
  for (let offset = 0; offset <= monthsAhead; offset++) {
    const month = monthStart(now, offset);
    if (existing.has(partitionName(month))) continue;
    await inTransaction(client, () => addMonth(client, month));
    added.push(partitionName(month));
  }
  return added;
}

/** Turns the plain `records` into the partitioned one (nothing if it already is). */
export async function convert(
  client: ClientBase,
  monthsAhead = 3,
  now = new Date(),
): Promise<void> {
  if (await isPartitioned(client)) return;
  await inTransaction(client, async () => {
    await client.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
    await client.query('ALTER TABLE records RENAME TO records_unpartitioned');
    await client.query(
      'ALTER TABLE records_unpartitioned RENAME CONSTRAINT records_pkey TO records_unpartitioned_pkey',
    );
    for (const index of [
      'status_category_created',
      'created',
      'pending',
      'status_id',
      'category_id',
      'source_id',
      'category_created',
      'pending_source',
    ]) {
      await client.query(
        `ALTER INDEX records_${index}_idx RENAME TO records_unpartitioned_${index}_idx`,
      );
    }
    await client.query(
      `CREATE TABLE records (LIKE records_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
         PARTITION BY RANGE (id)`,
    );
    await client.query('ALTER TABLE records ADD CONSTRAINT records_pkey PRIMARY KEY (id)');
    for (const index of INDEXES) await client.query(index);
    await client.query('CREATE TABLE records_default PARTITION OF records DEFAULT');
    for (let offset = 0; offset <= monthsAhead; offset++) {
      const month = monthStart(now, offset);
      await client.query(
        `CREATE TABLE ${partitionName(month)} PARTITION OF records
           FOR VALUES FROM ('${uuidV7Bound(month)}') TO ('${uuidV7Bound(monthStart(month, 1))}')`,
      );
    }
    // No trigger on the new table yet: the rollups already count these rows.
    await client.query('INSERT INTO records SELECT * FROM records_unpartitioned');
    await client.query('ALTER TABLE record_events DROP CONSTRAINT record_events_record_id_fkey');
    await client.query(
      `ALTER TABLE record_events ADD CONSTRAINT record_events_record_id_fkey
         FOREIGN KEY (record_id) REFERENCES records (id) ON DELETE CASCADE`,
    );
    await client.query('DROP TABLE records_unpartitioned');
    for (const trigger of ROLLUP_TRIGGERS) await client.query(trigger);
    await client.query('ANALYZE records');
  });
}

/**
 * Subtracts `rows` (a relation of records) from the rollups of records, grouped as the
 * triggers group: record_counts, record_totals and record_activity's `created` (the
 * events' counts in record_activity go by the events' delete trigger).
 */
const subtractFromRollups = (rows: string) => `
  INSERT INTO record_counts AS c (day, category, source, status, slot, n)
  SELECT (created_at AT TIME ZONE 'UTC')::date, category, source, status, 0, -count(*)
    FROM ${rows} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (day, category, source, status, slot) DO UPDATE SET n = c.n + EXCLUDED.n;
  INSERT INTO record_totals AS t (category, source, status, slot, n)
  SELECT category, source, status, 0, -count(*)
    FROM ${rows} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (category, source, status, slot) DO UPDATE SET n = t.n + EXCLUDED.n;
  INSERT INTO record_activity AS a (hour, category, source, slot, created)
  SELECT date_trunc('hour', created_at, 'UTC'), category, source, 0, -count(*)
    FROM ${rows} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (hour, category, source, slot) DO UPDATE SET created = a.created + EXCLUDED.created;`;

export interface Retention {
  droppedPartitions: string[];
  deletedFromDefault: number;
}

/**
 * Retention: drops each monthly partition that ends on or before `cutoff` (its
 * records, their events, their counts in the rollups), then deletes the default
 * partition's records created before `cutoff` through the parent table, so the
 * triggers keep the rollups right and their events go by cascade.
 */
export async function dropBefore(client: ClientBase, cutoff: Date): Promise<Retention> {
  const droppedPartitions: string[] = [];
  for (const partition of await monthlyPartitions(client)) {
    if (partition.to > cutoff) continue;
    await inTransaction(client, async () => {
      // Writers wait (briefly) until the partition is gone: nothing changes between
      // counting its rows and dropping them.
      await client.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
      await client.query(subtractFromRollups(partition.name));
      // Their events, while their records are still there: record_events' trigger
      // subtracts them from record_activity with their records' category and source.
      await client.query('DELETE FROM record_events WHERE record_id >= $1 AND record_id < $2', [
        uuidV7Bound(partition.from),
        uuidV7Bound(partition.to),
      ]);
      // Detaching checks that no event still points into it (the foreign key).
      await client.query(`ALTER TABLE records DETACH PARTITION ${partition.name}`);
      await client.query(`DROP TABLE ${partition.name}`);
      // Counter rows that reached zero carry nothing.
      await client.query('DELETE FROM record_counts WHERE n = 0');
      await client.query('DELETE FROM record_totals WHERE n = 0');
      await client.query(
        `DELETE FROM record_activity
          WHERE created = 0 AND processed = 0 AND failed = 0 AND retried = 0`,
      );
    });
    droppedPartitions.push(partition.name);
  }
  const { rowCount } = await client.query(
    `DELETE FROM records WHERE tableoid = 'records_default'::regclass AND created_at < $1`,
    [cutoff],
  );
  return { droppedPartitions, deletedFromDefault: rowCount ?? 0 };
}

/** `npm run db:partitions -- convert|extend [months]|drop-before <date>` on DATABASE_URL. */
async function main(argv: string[]): Promise<void> {
  const [command, argument] = argv;
  const client = new Client({
    connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await client.connect();
  try {
    await client.query(`SET lock_timeout = '${process.env.PARTITIONS_LOCK_TIMEOUT ?? '10s'}'`);
    if (command === 'convert') {
      await convert(client, Number(argument ?? 3));
      console.log('records is partitioned by id range (monthly):');
      for (const p of await monthlyPartitions(client)) console.log(`  ${p.name}`);
    } else if (command === 'extend') {
      const added = await extend(client, Number(argument ?? 3));
      console.log(added.length ? `added ${added.join(', ')}` : 'nothing to add');
    } else if (command === 'drop-before') {
      const cutoff = new Date(argument ?? '');
      if (!argument || Number.isNaN(cutoff.getTime())) {
        throw new Error('drop-before needs a date, such as 2026-01-01');
      }
      const result = await dropBefore(client, cutoff);
      console.log(
        `dropped ${result.droppedPartitions.join(', ') || 'no partition'}; ` +
          `deleted ${result.deletedFromDefault} older records from the default partition`,
      );
    } else {
      throw new Error(
        'usage: npm run db:partitions -- convert [monthsAhead] | extend [monthsAhead] | drop-before <date>',
      );
    }
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
