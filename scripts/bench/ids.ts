/**
 * `npm run bench:ids`: what time-ordered ids change, measured on this machine.
 *
 * For each id kind (random UUIDv4, the old default; UUIDv7, the service's now), on a
 * throw-away database built by the real migrations:
 *   1. BENCH_ROWS records are loaded in SQL (generate_series, ids from the column
 *      default: gen_random_uuid() or gen_uuid_v7()), then VACUUM ANALYZE and CHECKPOINT;
 *   2. the primary-key index is measured (size; leaf density with pgstattuple, where
 *      the server has it);
 *   3. BENCH_IDS_CLIENTS connections run the service's own create statement
 *      (CREATE_RECORD: the record and its creation event, one transaction each) for
 *      BENCH_IDS_SECONDS, ids made as the service makes them (randomUUID() or
 *      newRecordId()): creates per second and WAL bytes per create.
 * Prints a markdown table (the README's "Scaling" section holds one).
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { databaseOptions } from '../../src/database/database-options';
import { runMigrationsExclusively } from '../../src/database/startup';
import { newRecordId } from '../../src/records/record-id';
import { CREATE_RECORD } from '../../src/records/records.repository';
import { bulkLoad, createDatabase, dropDatabase, withClient } from './database';

const integer = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: a positive integer`);
  return value;
};

const ROWS = integer('BENCH_ROWS', 1_000_000);
const SECONDS = integer('BENCH_IDS_SECONDS', 30);
const CLIENTS = integer('BENCH_IDS_CLIENTS', 8);
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface IdKind {
  name: string;
  columnDefault: string;
  make: () => string;
}

const KINDS: IdKind[] = [
  { name: 'UUIDv4 (random)', columnDefault: 'gen_random_uuid()', make: randomUUID },
  { name: 'UUIDv7 (time-ordered)', columnDefault: 'gen_uuid_v7()', make: newRecordId },
];

interface Result {
  kind: string;
  loadSeconds: number;
  pkBytes: number;
  leafDensity: number | null;
  createsPerSecond: number;
  walBytesPerCreate: number;
  pkBytesAfter: number;
  pkGrowthPerCreate: number;
}

async function migrate(url: string): Promise<void> {
  const dataSource = new DataSource(
    databaseOptions({
      url,
      poolSize: 1,
      poolTimeoutMs: 10_000,
      statementTimeoutMs: 0,
      lockTimeoutMs: 60_000,
      idleInTransactionTimeoutMs: 0,
    }),
  );
  await dataSource.initialize();
  try {
    await runMigrationsExclusively(dataSource, {
      log: () => undefined,
      error: console.error,
      warn: console.warn,
    });
  } finally {
    await dataSource.destroy();
  }
}

const PAYLOAD = JSON.stringify({ order_id: '12345', amount: 99.99, currency: 'EUR', items: 3 });

/** Creates as fast as `CLIENTS` connections go for `SECONDS`; how many were made. */
async function createLoop(url: string, kind: IdKind): Promise<number> {
  const pool = new Pool({ connectionString: url, max: CLIENTS });
  // The database is dropped WITH (FORCE) next: a closing connection's FATAL is expected.
  pool.on('error', () => undefined);
  const until = Date.now() + SECONDS * 1000;
  let created = 0;
  const worker = async () => {
    while (Date.now() < until) {
      await pool.query({
        ...CREATE_RECORD,
        values: [kind.make(), 'api', 'order', PAYLOAD, 'req_bench_ids_000000'],
      });
      created++;
    }
  };
  try {
    await Promise.all(Array.from({ length: CLIENTS }, worker));
  } finally {
    await pool.end();
  }
  return created;
}

async function measure(kind: IdKind): Promise<Result> {
  const name = `bench_ids_${Date.now()}`;
  const url = await createDatabase(ADMIN_URL, name);
  try {
    await migrate(url);
    const pkSize = (client: { query: Pool['query'] }) =>
      client
        .query<{ bytes: string }>(`SELECT pg_relation_size('records_pkey') AS bytes`)
        .then((r) => Number(r.rows[0].bytes));
    const loaded = await withClient(url, async (client) => {
      await client.query(`ALTER TABLE records ALTER COLUMN id SET DEFAULT ${kind.columnDefault}`);
      const started = Date.now();
      await bulkLoad(url, ROWS);
      const loadSeconds = (Date.now() - started) / 1000;
      await client.query('CHECKPOINT');
      let leafDensity: number | null = null;
      try {
        await client.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
        const { rows } = await client.query<{ density: number }>(
          `SELECT avg_leaf_density AS density FROM pgstatindex('records_pkey')`,
        );
        leafDensity = Number(rows[0].density);
      } catch {
        // No pgstattuple on this server: density left out.
      }
      return { loadSeconds, pkBytes: await pkSize(client), leafDensity };
    });
    const result = await withClient(url, async (client) => {
      await client.query('CHECKPOINT');
      const lsn = async () =>
        (await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn() AS lsn')).rows[0].lsn;
      const from = await lsn();
      const started = Date.now();
      const created = await createLoop(url, kind);
      const seconds = (Date.now() - started) / 1000;
      const to = await lsn();
      const { rows } = await client.query<{ bytes: string }>(
        'SELECT pg_wal_lsn_diff($1, $2) AS bytes',
        [to, from],
      );
      const pkBytesAfter = await pkSize(client);
      return {
        createsPerSecond: created / seconds,
        walBytesPerCreate: Number(rows[0].bytes) / created,
        pkBytesAfter,
        pkGrowthPerCreate: (pkBytesAfter - loaded.pkBytes) / created,
      };
    });
    return { kind: kind.name, ...loaded, ...result };
  } finally {
    await dropDatabase(ADMIN_URL, name);
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const server = await withClient(ADMIN_URL, async (client) => {
    const { rows } = await client.query<{ version: string; sb: string }>(
      `SELECT current_setting('server_version') AS version, current_setting('shared_buffers') AS sb`,
    );
    return rows[0];
  });
  console.error(
    `bench:ids: ${ROWS} rows, ${CLIENTS} clients x ${SECONDS}s, PostgreSQL ${server.version} (shared_buffers ${server.sb})`,
  );
  const results: Result[] = [];
  for (const kind of KINDS) {
    console.error(`  ${kind.name}: loading ${ROWS} rows...`);
    const result = await measure(kind);
    console.error(`  ${JSON.stringify(result)}`);
    results.push(result);
  }
  console.log(
    `\n${ROWS.toLocaleString('en-US')} records loaded, then ${CLIENTS} connections creating for ${SECONDS} s ` +
      `(PostgreSQL ${server.version}, shared_buffers ${server.sb}):\n`,
  );
  console.log(
    '| ids | bulk load | primary key after load | leaf density | creates/s | WAL per create | primary key after the creates | PK growth per create |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(
      `| ${r.kind} | ${r.loadSeconds.toFixed(0)} s | ${mib(r.pkBytes)} | ${
        r.leafDensity === null ? 'n/a' : `${r.leafDensity.toFixed(1)}%`
      } | ${r.createsPerSecond.toFixed(0)} | ${(r.walBytesPerCreate / 1024).toFixed(2)} KiB | ${mib(
        r.pkBytesAfter,
      )} | ${r.pkGrowthPerCreate.toFixed(1)} B |`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
