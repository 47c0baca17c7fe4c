/**
 * `npm run bench`: builds the service, starts it in production mode against a fresh
 * database, drives each scenario with autocannon and the same SQL with pgbench, and
 * prints one table. Knobs: see config.ts and the README's Performance section.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { BenchConfig, QueryMode, readConfig } from './config';
import {
  anyRecordId,
  bulkLoad,
  createDatabase,
  dropDatabase,
  processedSeeds,
  seedPending,
  withClient,
} from './database';
import type { LoadResult, LoadSpec } from './load';
import { pgbench } from './pgbench';
import { killAll, runInOwnSession } from './processes';
import { RunContext, Scenario, SCENARIOS } from './scenarios';
import { cpuMicros, peakRssMiB, RunningService, startService, stopService } from './service';

const WORK_DIR = 'bench-results';

interface Row {
  scenario: string;
  connections: number;
  load: LoadResult;
  /** The service's CPU time per request: unlike req/s, barely moved by other load on the machine. */
  cpuMicrosPerRequest: number;
  pgbench: Partial<Record<QueryMode, number>>;
}

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);

/** The autocannon side of one run, in a process of its own (see load.ts). */
async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const args = ['-r', 'ts-node/register/transpile-only', join(__dirname, 'load.ts')];
  const { code, stdout, stderr } = await runInOwnSession(process.execPath, [
    ...args,
    JSON.stringify(spec),
  ]);
  if (code !== 0) throw new Error(`autocannon run failed: ${stderr.trim()}`);
  return JSON.parse(stdout) as LoadResult;
}

async function pendingIdsFile(databaseUrl: string, count: number): Promise<string> {
  const file = join(WORK_DIR, 'pending-ids.txt');
  writeFileSync(file, (await seedPending(databaseUrl, count)).join('\n'));
  return file;
}

async function measure(
  config: BenchConfig,
  scenario: Scenario,
  connections: number,
  service: RunningService,
  databaseUrl: string,
  context: RunContext,
): Promise<Row> {
  const spec: LoadSpec = {
    ...scenario.http(context),
    url: service.url,
    connections,
    duration: config.duration,
    warmup: config.warmup,
  };
  if (scenario.consumesPending) {
    const seconds = config.warmup + config.duration;
    spec.idsFile = await pendingIdsFile(databaseUrl, config.processRate * seconds);
  }
  const pid = service.process.pid!;
  const cpuBefore = cpuMicros(pid);
  const load = await runLoad(spec);
  const cpuMicrosPerRequest = (cpuMicros(pid) - cpuBefore) / load.sent;
  const row: Row = { scenario: scenario.name, connections, load, cpuMicrosPerRequest, pgbench: {} };
  for (const mode of config.queryModes) {
    if (scenario.consumesPending)
      await seedPending(databaseUrl, config.processRate * config.duration);
    const tps = await pgbench({
      databaseUrl,
      script: scenario.pgbenchScript,
      variables: scenario.pgbenchVariables(context),
      clients: connections,
      duration: config.duration,
      mode,
      workDir: WORK_DIR,
    });
    // A script whose UPDATE matched nothing would still "succeed": check it did the work.
    const processed = scenario.consumesPending ? await processedSeeds(databaseUrl) : Infinity;
    if (processed < (tps * config.duration) / 2) {
      throw new Error(
        `pgbench ${scenario.name}: ${processed} records processed, fewer than reported`,
      );
    }
    row.pgbench[mode] = tps;
  }
  say(
    `${scenario.name} c=${connections}: ${load.requestsPerSecond.toFixed(0)} req/s, p50 ${load.p50} ms, ` +
      `p99 ${load.p99} ms, ${load.errors} errors, ${cpuMicrosPerRequest.toFixed(0)} us CPU/req; pgbench ${JSON.stringify(row.pgbench)}`,
  );
  return row;
}

function table(rows: Row[], modes: QueryMode[]): string {
  const label: Record<QueryMode, string> = { prepared: 'prepared', extended: 'unnamed' };
  const header = ['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'service CPU us/req'];
  for (const mode of modes) header.push(`pgbench ${label[mode]} tps`, 'ratio');
  const lines = [header, header.map(() => '---')];
  for (const row of rows) {
    const cells = [
      row.scenario,
      String(row.connections),
      row.load.requestsPerSecond.toFixed(0),
      String(row.load.p50),
      String(row.load.p99),
      String(row.load.errors),
      row.cpuMicrosPerRequest.toFixed(0),
    ];
    for (const mode of modes) {
      const tps = row.pgbench[mode] ?? NaN;
      cells.push(tps.toFixed(0), `${((100 * row.load.requestsPerSecond) / tps).toFixed(0)}%`);
    }
    lines.push(cells);
  }
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  const config = readConfig();
  mkdirSync(WORK_DIR, { recursive: true });
  if (!config.skipBuild) {
    say('building');
    execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  }

  const databaseName = `bench_${Date.now()}`;
  let databaseUrl: string | undefined;
  let service: RunningService | undefined;
  const cleanUp = async () => {
    if (service) await stopService(service).catch(() => undefined);
    killAll();
    if (databaseUrl) await dropDatabase(config.adminUrl, databaseName);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`${signal}: stopping the service and dropping ${databaseName}`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    databaseUrl = await createDatabase(config.adminUrl, databaseName);
    service = await startService({
      databaseUrl,
      port: config.port,
      logFile: config.serviceLog,
      cpuProfileDir: config.cpuProfileDir,
    });
    say(`service up at ${service.url} (pid ${service.process.pid}), database ${databaseName}`);
    const started = Date.now();
    await bulkLoad(databaseUrl, config.rows);
    say(`bulk-loaded ${config.rows} records in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const today = new Date();
    const context: RunContext = {
      recordId: await anyRecordId(databaseUrl),
      today: today.toISOString().slice(0, 10),
      weekAgo: new Date(today.getTime() - 6 * 86_400_000).toISOString().slice(0, 10),
    };
    // Readers first, so list and summary see exactly the bulk-loaded table.
    const selected = SCENARIOS.filter((scenario) => config.scenarios.includes(scenario.name));
    const order = [...selected.filter((s) => !s.writes), ...selected.filter((s) => s.writes)];
    const rows: Row[] = [];
    for (const scenario of order) {
      for (const connections of config.connections) {
        rows.push(await measure(config, scenario, connections, service, databaseUrl, context));
      }
    }
    const rss = peakRssMiB(service.process.pid!);
    const postgres = await withClient(databaseUrl, async (client) => {
      const { rows } = await client.query<{ v: string }>(
        `SELECT current_setting('server_version') AS v`,
      );
      return rows[0].v;
    });
    rows.sort(
      (a, b) =>
        selected.findIndex((s) => s.name === a.scenario) -
        selected.findIndex((s) => s.name === b.scenario),
    );

    const report = [
      `${new Date().toISOString()}: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
        `Node ${process.version}, PostgreSQL ${postgres}; ${config.rows} bulk-loaded records, ` +
        `${config.duration} s per run after ${config.warmup} s warm-up`,
      '',
      table(rows, config.queryModes),
      '',
      `service peak RSS (VmHWM): ${rss.toFixed(0)} MiB`,
    ].join('\n');
    writeFileSync(join(WORK_DIR, `bench-${databaseName.slice(6)}.md`), `${report}\n`);
    process.stdout.write(`\n${report}\n`);
  } finally {
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
