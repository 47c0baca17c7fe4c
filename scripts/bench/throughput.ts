/**
 * `npm run bench:throughput`: the throughput scenarios of issue 27, each printed as one
 * markdown table. Run it alone on the machine (under the exclusive lock), after
 * `npm run build`.
 *
 * - drain: N pending records committed at once, drained by the service's worker with
 *   1 and 2 instances; records/s. With PEERS=1, graphile-worker and pg-boss are installed
 *   into a scratch folder (never the project's dependencies) and drain N no-op jobs on the
 *   same PostgreSQL in the same run, in the same table.
 * - batch: records/s created through POST /records (one each) and POST /records/batch of
 *   100 and 1000, at the same concurrency (wrk).
 * - cursor: on a 1M-record database (CURSOR_DB, loaded once and reused), the p50 of the
 *   first page, of page 10,000 by cursor and by offset, sorted by created_at and by category;
 *   and the plans of every sort with a filter (EXPLAIN), which must walk an index.
 *
 * Knobs (environment): SCENARIOS (drain,batch,cursor), N (20000), ROUNDS (1), PEERS (0),
 * WORKER_BATCH_SIZE (500), WORKER_CONCURRENCY (2), PEER_CONCURRENCY (10), CONNECTIONS (10),
 * DURATION (8 s), CURSOR_DB (bench_throughput), CURSOR_ROWS (1000000), ADMIN_URL.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordCursors } from '../../src/records/record-cursor';
import { bulkLoad, createDatabase, dropDatabase, withClient } from './database';
import { killAll, runInOwnSession } from './processes';
import { RunningServer, startServer, stopServer } from './service';

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const ADMIN_URL = env('ADMIN_URL', 'postgres://postgres@127.0.0.1:5432/postgres');
const SCENARIOS = env('SCENARIOS', 'drain,batch,cursor').split(',');
const N = Number(env('N', '20000'));
const ROUNDS = Number(env('ROUNDS', '1'));
const PEERS = env('PEERS', '0') === '1';
const BATCH = env('WORKER_BATCH_SIZE', '500');
const CONCURRENCY = env('WORKER_CONCURRENCY', '2');
const PEER_CONCURRENCY = env('PEER_CONCURRENCY', '10');
const CONNECTIONS = env('CONNECTIONS', '10');
const DURATION = env('DURATION', '8');
const CURSOR_DB = env('CURSOR_DB', 'bench_throughput');
const CURSOR_ROWS = Number(env('CURSOR_ROWS', '1000000'));
const CURSOR_SECRET = 'bench-throughput-cursor-secret';
const GRAPHILE_WORKER = '0.17.3';
const PG_BOSS = '10.4.2';
const WORK_DIR = mkdtempSync(join(tmpdir(), 'bench-throughput-'));

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const markdown = (lines: string[][]) => lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
let nextPort = 18600;
let databases = 0;

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function startService(
  url: string,
  extra: Record<string, string>,
  name = 'service',
): Promise<RunningServer> {
  const port = nextPort++;
  return startServer({
    name,
    args: ['dist/src/main.js'],
    env: {
      DATABASE_URL: url,
      LOG_LEVEL: 'warn',
      APP_ENV: 'production',
      HTTP_ADAPTER: env('HTTP_ADAPTER', 'express'),
      CURSOR_SECRET,
      DB_STATEMENT_TIMEOUT_MS: '60000',
      ...extra,
    },
    port,
    logFile: join(WORK_DIR, `${name}-${port}.log`),
    readyPath: '/health',
  });
}

const count = (url: string, sql: string) =>
  withClient(url, async (client) => Number((await client.query(sql)).rows[0].n));

// ---------------------------------------------------------------- drain

interface DrainRow {
  system: string;
  round: number;
  items: number;
  seconds: number;
  check: string;
}

/** The service's worker, `instances` of it, on a new database; N pending committed at once. */
async function drainService(instances: number, round: number): Promise<DrainRow> {
  const name = `bench_drain_${process.pid}_${databases++}`;
  const url = await createDatabase(ADMIN_URL, name);
  const worker = {
    WORKER_ENABLED: 'true',
    WORKER_BATCH_SIZE: BATCH,
    WORKER_CONCURRENCY: CONCURRENCY,
    WORKER_POLL_INTERVAL_MS: '100',
  };
  // The first instance migrates; the others start on the migrated schema.
  const servers = [await startService(url, worker, 'drain-1')];
  for (let i = 2; i <= instances; i++) servers.push(await startService(url, worker, `drain-${i}`));
  await withClient(url, (client) =>
    client.query(
      `WITH inserted AS (
         INSERT INTO records (source, category, payload)
         SELECT 'bench', 'order', jsonb_build_object('order_id', g::text, 'amount', 99.99)
           FROM generate_series(1, $1::int) AS g
         RETURNING id, created_at
       )
       INSERT INTO record_events (record_id, from_status, to_status, attempt, at)
       SELECT id, NULL, 'pending', 0, created_at FROM inserted`,
      [N],
    ),
  );
  const started = performance.now();
  while ((await count(url, `SELECT count(*) AS n FROM records WHERE status = 'pending'`)) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(servers.map(stopServer));
  const exits = await count(
    url,
    `SELECT count(*) AS n FROM record_events WHERE from_status = 'pending'`,
  );
  const rolled = await count(
    url,
    `SELECT coalesce(sum(n), 0) AS n FROM record_totals WHERE status = 'processed'`,
  );
  await dropDatabase(ADMIN_URL, name);
  return {
    system: `service worker (batch ${BATCH}, ${CONCURRENCY} in flight, ${instances} instance${instances > 1 ? 's' : ''}), real processing`,
    round,
    items: N,
    seconds,
    check: `${exits} events, rollup ${rolled}`,
  };
}

const GRAPHILE_RUNNER = `
const { run, runMigrations, Logger } = require('graphile-worker');
const pg = require('pg');
const connectionString = process.env.DATABASE_URL;
(async () => {
  if (process.argv[2] === 'migrate') return runMigrations({ connectionString });
  const client = new pg.Client({ connectionString });
  await client.connect();
  const left = async () => Number((await client.query('SELECT count(*) AS n FROM graphile_worker.jobs')).rows[0].n);
  const total = await left();
  const t0 = process.hrtime.bigint();
  const runner = await run({ connectionString, concurrency: Number(process.env.CONC), noHandleSignals: true,
    pollInterval: 100, taskList: { noop: async () => {} }, logger: new Logger(() => () => {}) });
  while ((await left()) > 0) await new Promise((r) => setTimeout(r, 50));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await runner.stop();
  await client.end();
  console.log(total, seconds);
})().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
`;

const PGBOSS_RUNNER = `
const PgBoss = require('pg-boss');
const N = Number(process.env.N);
(async () => {
  const boss = new PgBoss({ connectionString: process.env.DATABASE_URL, supervise: false, schedule: false });
  boss.on('error', (e) => console.error(e));
  await boss.start();
  if (process.argv[2] === 'seed') {
    await boss.createQueue('drain');
    for (let i = 0; i < N; i += 1000)
      await boss.insert(Array.from({ length: Math.min(1000, N - i) }, (_, k) => ({ name: 'drain', data: { order_id: String(i + k), amount: 99.99 } })));
    return boss.stop({ graceful: false });
  }
  let done = 0; let finished;
  const all = new Promise((r) => (finished = r));
  const t0 = process.hrtime.bigint();
  for (let w = 0; w < Number(process.env.CONC); w++)
    await boss.work('drain', { batchSize: 50, pollingIntervalSeconds: 0.5 }, async (jobs) => { done += jobs.length; if (done >= N) finished(); });
  await all;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await boss.stop({ graceful: true, wait: true });
  console.log(done, seconds);
})().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
`;

/** graphile-worker and pg-boss, in a scratch folder of their own. */
function installPeers(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-peers-'));
  say(`installing graphile-worker ${GRAPHILE_WORKER} and pg-boss ${PG_BOSS} into ${dir}`);
  execFileSync('npm', ['init', '-y'], { cwd: dir, stdio: 'ignore' });
  execFileSync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      `graphile-worker@${GRAPHILE_WORKER}`,
      `pg-boss@${PG_BOSS}`,
      'pg@8.23.1',
    ],
    { cwd: dir, stdio: 'ignore' },
  );
  writeFileSync(join(dir, 'graphile.cjs'), GRAPHILE_RUNNER);
  writeFileSync(join(dir, 'pgboss.cjs'), PGBOSS_RUNNER);
  return dir;
}

async function peer(
  dir: string,
  script: string,
  args: string[],
  extra: Record<string, string>,
): Promise<string> {
  const result = await runInOwnSession(process.execPath, [join(dir, script), ...args], {
    ...process.env,
    ...extra,
    NODE_PATH: join(dir, 'node_modules'),
  });
  if (result.code !== 0) throw new Error(`${script} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

async function drainGraphile(dir: string, round: number): Promise<DrainRow> {
  const name = `bench_gw_${process.pid}_${databases++}`;
  const url = await createDatabase(ADMIN_URL, name);
  await peer(dir, 'graphile.cjs', ['migrate'], { DATABASE_URL: url });
  await withClient(url, async (client) => {
    await client.query(
      `SELECT graphile_worker.add_jobs(array(
         SELECT json_populate_record(null::graphile_worker.job_spec,
                  json_build_object('identifier', 'noop',
                                    'payload', json_build_object('order_id', g::text, 'amount', 99.99)))
           FROM generate_series(1, $1::int) AS g))`,
      [N],
    );
    await client.query('VACUUM ANALYZE');
  });
  const [items, seconds] = (
    await peer(dir, 'graphile.cjs', ['run'], { DATABASE_URL: url, CONC: PEER_CONCURRENCY })
  )
    .split(' ')
    .map(Number);
  await dropDatabase(ADMIN_URL, name);
  return {
    system: `graphile-worker ${GRAPHILE_WORKER} (concurrency ${PEER_CONCURRENCY}), no-op jobs`,
    round,
    items,
    seconds,
    check: '-',
  };
}

async function drainPgBoss(dir: string, round: number): Promise<DrainRow> {
  const name = `bench_boss_${process.pid}_${databases++}`;
  const url = await createDatabase(ADMIN_URL, name);
  const extra = { DATABASE_URL: url, N: String(N), CONC: PEER_CONCURRENCY };
  await peer(dir, 'pgboss.cjs', ['seed'], extra);
  const [items, seconds] = (await peer(dir, 'pgboss.cjs', ['run'], extra)).split(' ').map(Number);
  await dropDatabase(ADMIN_URL, name);
  return {
    system: `pg-boss ${PG_BOSS} (${PEER_CONCURRENCY} workers x batchSize 50), no-op jobs`,
    round,
    items,
    seconds,
    check: '-',
  };
}

async function drain(): Promise<string> {
  const peers = PEERS ? installPeers() : undefined;
  const rows: DrainRow[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const instances of [1, 2]) rows.push(await drainService(instances, round));
    if (peers) {
      rows.push(await drainGraphile(peers, round));
      rows.push(await drainPgBoss(peers, round));
    }
    for (const row of rows.filter((r) => r.round === round)) {
      say(`${row.system} round ${round}: ${(row.items / row.seconds).toFixed(0)} items/s`);
    }
  }
  const graphile = (round: number) =>
    rows.find((row) => row.round === round && row.system.startsWith('graphile'));
  const lines = [
    ['system', 'round', 'items', 'seconds', 'items/s', 'x graphile-worker', 'check'],
    ['---', '---', '---', '---', '---', '---', '---'],
    ...rows.map((row) => {
      const rate = row.items / row.seconds;
      const reference = graphile(row.round);
      return [
        row.system,
        String(row.round),
        String(row.items),
        row.seconds.toFixed(2),
        rate.toFixed(0),
        reference ? (rate / (reference.items / reference.seconds)).toFixed(2) : '-',
        row.check,
      ];
    }),
  ];
  return markdown(lines);
}

// ---------------------------------------------------------------- batch

/** records/s through wrk: POST `path` with `body`, each request creating `perRequest` records. */
async function postRate(url: string, path: string, body: string): Promise<number> {
  const script = join(WORK_DIR, `post-${path.replace(/\W/g, '_')}.lua`);
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n`,
  );
  const threads = String(Math.min(2, Number(CONNECTIONS)));
  const result = await runInOwnSession('wrk', [
    `-t${threads}`,
    `-c${CONNECTIONS}`,
    `-d${DURATION}s`,
    '-s',
    script,
    `${url}${path}`,
  ]);
  if (/Non-2xx/.test(result.stdout)) throw new Error(`wrk ${path}: errors\n${result.stdout}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(result.stdout)![1]);
}

async function batch(): Promise<string> {
  const name = `bench_batch_${process.pid}`;
  const url = await createDatabase(ADMIN_URL, name);
  const server = await startService(url, {}, 'batch');
  const record = (i: number) => ({
    source: 'bench',
    category: 'order',
    payload: { order_id: String(i), amount: 99.99, currency: 'EUR', customer_id: `cus_${i}` },
  });
  const lines = [
    ['request', 'connections', 'req/s', 'records/s', 'x single'],
    ['---', '---', '---', '---', '---'],
  ];
  const single = await postRate(server.url, '/records', JSON.stringify(record(1)));
  lines.push(['POST /records', CONNECTIONS, single.toFixed(0), single.toFixed(0), '1.00']);
  for (const size of [100, 1000]) {
    const body = JSON.stringify({ records: Array.from({ length: size }, (_, i) => record(i)) });
    const rate = await postRate(server.url, '/records/batch', body);
    lines.push([
      `POST /records/batch of ${size}`,
      CONNECTIONS,
      rate.toFixed(1),
      (rate * size).toFixed(0),
      ((rate * size) / single).toFixed(1),
    ]);
    say(`batch of ${size}: ${(rate * size).toFixed(0)} records/s (single ${single.toFixed(0)})`);
  }
  await stopServer(server);
  await dropDatabase(ADMIN_URL, name);
  return markdown(lines);
}

// ---------------------------------------------------------------- cursor

/** The 1M-record database, loaded once (migrated by a service start) and reused. */
async function cursorDatabase(): Promise<string> {
  const url = databaseUrl(CURSOR_DB);
  const exists = await withClient(ADMIN_URL, async (client) =>
    Boolean(
      (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [CURSOR_DB])).rowCount,
    ),
  );
  if (!exists) await createDatabase(ADMIN_URL, CURSOR_DB);
  await stopServer(await startService(url, {}, 'migrate'));
  const rows = await count(url, 'SELECT count(*) AS n FROM records');
  if (rows < CURSOR_ROWS) {
    say(`loading ${CURSOR_ROWS - rows} records into ${CURSOR_DB} (once)`);
    await bulkLoad(url, CURSOR_ROWS - rows);
  }
  return url;
}

async function p50(url: string, times = 100): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times + 10; i++) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    if (i >= 10) samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** The cursor the service hands out at the end of page `page` (of 50) in `sortBy` desc order. */
async function cursorAt(
  url: string,
  sortBy: 'created_at' | 'category',
  page: number,
  category?: string,
): Promise<string> {
  const key =
    sortBy === 'created_at'
      ? `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
      : 'category';
  const where = category ? `WHERE category = $2` : '';
  const row = await withClient(url, async (client) => {
    const { rows } = await client.query<{ value: string; id: string }>(
      `SELECT ${key} AS value, id FROM records ${where}
        ORDER BY ${sortBy} DESC, id DESC OFFSET $1 LIMIT 1`,
      category ? [page * 50 - 1, category] : [page * 50 - 1],
    );
    return rows[0];
  });
  return new RecordCursors(CURSOR_SECRET).encode(
    row,
    RecordCursors.listBinding({ category, sortBy, sortOrder: 'desc' }),
  );
}

async function cursor(): Promise<string> {
  const url = await cursorDatabase();
  const server = await startService(url, {}, 'cursor');
  const base = `${server.url}/records`;
  const lines = [
    ['page of 50', 'p50 ms', 'x first page'],
    ['---', '---', '---'],
  ];
  const first = await p50(`${base}?limit=50`);
  const row = (label: string, ms: number, reference: number) =>
    lines.push([label, ms.toFixed(2), (ms / reference).toFixed(2)]);
  row('page 1 (newest first)', first, first);
  const deep = await cursorAt(url, 'created_at', 9999);
  row('page 10,000 by cursor', await p50(`${base}?limit=50&cursor=${deep}`), first);
  row('page 10,000 by offset (499950)', await p50(`${base}?limit=50&offset=499950`, 20), first);
  const byCategory = `${base}?limit=50&sort_by=category`;
  const categoryFirst = await p50(byCategory);
  row('sorted by category: page 1', categoryFirst, first);
  const deepCategory = await cursorAt(url, 'category', 9999);
  row(
    'sorted by category: page 10,000 by cursor',
    await p50(`${byCategory}&cursor=${deepCategory}`),
    first,
  );
  row(
    'sorted by category: page 10,000 by offset',
    await p50(`${byCategory}&offset=499950`, 10),
    first,
  );
  const inCategory = `${base}?limit=50&category=order`;
  row('category=order: page 1', await p50(inCategory), first);
  const deepInCategory = await cursorAt(url, 'created_at', 999, 'order');
  row(
    'category=order: page 1,000 by cursor',
    await p50(`${inCategory}&cursor=${deepInCategory}`),
    first,
  );
  await stopServer(server);
  return markdown(lines);
}

async function main(): Promise<void> {
  const machine = `${cpus().length} x ${cpus()[0]?.model.trim()}, node ${process.version}`;
  const out: string[] = [`${new Date().toISOString().slice(0, 10)}, ${machine}`];
  try {
    if (SCENARIOS.includes('drain')) out.push('', `drain (N=${N})`, '', await drain());
    if (SCENARIOS.includes('batch')) out.push('', 'batch', '', await batch());
    if (SCENARIOS.includes('cursor'))
      out.push('', `cursor (${CURSOR_ROWS} records)`, '', await cursor());
  } finally {
    killAll();
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  killAll();
  console.error(error);
  process.exit(1);
});
