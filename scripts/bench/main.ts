/**
 * `npm run bench`: builds the service, starts it in production mode against a fresh
 * database beside two references (a raw node:http + pg server and a bare Nest app doing
 * the same queries), drives each scenario with wrk and the same SQL with pgbench, and
 * prints the tables. Knobs: see config.ts and the README's Performance section.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchConfig, QueryMode, readConfig, RuntimeSpec } from './config';
import {
  anyRecordId,
  bulkLoad,
  createDatabase,
  dropDatabase,
  processedSeeds,
  seedPending,
  withClient,
} from './database';
import { ensureWrk, LoadResult, LoadSpec, runLoad } from './wrk';
import { pgbench } from './pgbench';
import { killAll } from './processes';
import { RunContext, Scenario, SCENARIOS } from './scenarios';
import { benchWebhooks } from './webhooks';
import { cpuMicros, rssMiB, RunningServer, startServer, stopServer } from './service';

const WORK_DIR = 'bench-results';

type Reference = 'raw' | 'bare';

/** One server under one load: what wrk saw, and the server's CPU time per answered request. */
interface Measured {
  load: LoadResult;
  /** Unlike req/s, barely moved by other load on the machine. */
  cpuMicrosPerRequest: number;
}

/** A node binary, its flags and what it reports itself as. */
interface Runtime extends RuntimeSpec {
  /** `v24.22.3`, with the entry's flags after it, if any: the tables' `node` column. */
  label: string;
  /** `Node v24.22.3 (V8 13.6.233.17-node.63)` */
  description: string;
}

/** One runtime's servers: the service and the references, all under the same node. */
interface ServerSet {
  runtime: Runtime;
  service: RunningServer;
  references: Partial<Record<Reference, RunningServer>>;
  idleRss: number;
}

interface Row {
  scenario: string;
  runtime: string;
  connections: number;
  service: Measured;
  references: Partial<Record<Reference, Measured>>;
  pgbench: Partial<Record<QueryMode, number>>;
}

const say = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function pendingIdsFile(databaseUrl: string, count: number): Promise<string> {
  const file = join(WORK_DIR, 'pending-ids.txt');
  writeFileSync(file, (await seedPending(databaseUrl, count)).join('\n'));
  return file;
}

/** A warm-up run (unrecorded), then the measured one with the server's CPU time around it. */
async function measureServer(
  config: BenchConfig,
  server: RunningServer,
  spec: Omit<LoadSpec, 'url' | 'duration'>,
): Promise<Measured> {
  const pid = server.process.pid!;
  if (config.warmup > 0)
    await runLoad({ ...spec, url: server.url, duration: config.warmup }, WORK_DIR);
  const cpuBefore = cpuMicros(pid);
  const load = await runLoad({ ...spec, url: server.url, duration: config.duration }, WORK_DIR);
  return { load, cpuMicrosPerRequest: (cpuMicros(pid) - cpuBefore) / Math.max(load.answered, 1) };
}

const summary = (name: string, measured: Measured) =>
  `${name} ${measured.load.requestsPerSecond.toFixed(0)} req/s, p50 ${measured.load.p50.toFixed(1)} ms, ` +
  `p99 ${measured.load.p99.toFixed(1)} ms, ${measured.load.errors} errors, ` +
  `${measured.cpuMicrosPerRequest.toFixed(0)} us CPU/req`;

async function measure(
  config: BenchConfig,
  scenario: Scenario,
  connections: number,
  sets: ServerSet[],
  databaseUrl: string,
  context: RunContext,
): Promise<Row[]> {
  const spec = { ...scenario.http(context), connections };
  const rows: Row[] = [];
  for (const set of sets) {
    // The references first, then the service, minutes apart at most: their ratios hold on a busy machine.
    const references: Row['references'] = {};
    if (scenario.referenced) {
      for (const [name, server] of Object.entries(set.references) as [Reference, RunningServer][]) {
        references[name] = await measureServer(config, server, spec);
      }
    }
    const idsFile = scenario.consumesPending
      ? await pendingIdsFile(databaseUrl, config.processRate * (config.warmup + config.duration))
      : undefined;
    const service = await measureServer(config, set.service, { ...spec, idsFile });
    rows.push({
      scenario: scenario.name,
      runtime: set.runtime.label,
      connections,
      service,
      references,
      pgbench: {},
    });
  }
  const pgbenchTps: Row['pgbench'] = {};
  for (const mode of scenario.pgbenchScript ? config.queryModes : []) {
    if (scenario.consumesPending)
      await seedPending(databaseUrl, config.processRate * config.duration);
    const tps = await pgbench({
      databaseUrl,
      script: scenario.pgbenchScript!,
      variables: scenario.pgbenchVariables?.(context) ?? {},
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
    pgbenchTps[mode] = tps;
  }
  for (const row of rows) {
    row.pgbench = pgbenchTps;
    const parts = [summary('service', row.service)];
    for (const [name, measured] of Object.entries(row.references))
      parts.push(summary(name, measured));
    const on = sets.length > 1 ? ` node ${row.runtime}` : '';
    say(
      `${scenario.name} c=${connections}${on}: ${parts.join('; ')}; pgbench ${JSON.stringify(row.pgbench)}`,
    );
  }
  return rows;
}

const markdown = (lines: string[][]) => lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)}%`;

function serviceTable(rows: Row[], modes: QueryMode[], byRuntime: boolean): string {
  const label: Record<QueryMode, string> = { prepared: 'prepared', extended: 'unnamed' };
  const header = [
    ...(byRuntime ? ['node'] : []),
    'scenario',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'service CPU us/req',
  ];
  for (const mode of modes) header.push(`pgbench ${label[mode]} tps`, 'ratio');
  const lines = [header, header.map(() => '---')];
  for (const row of rows) {
    const { load, cpuMicrosPerRequest } = row.service;
    const cells = [
      ...(byRuntime ? [row.runtime] : []),
      row.scenario,
      String(row.connections),
      load.requestsPerSecond.toFixed(0),
      load.p50.toFixed(1),
      load.p99.toFixed(1),
      String(load.errors),
      cpuMicrosPerRequest.toFixed(0),
    ];
    for (const mode of modes) {
      const tps = row.pgbench[mode];
      cells.push(
        tps === undefined ? '-' : tps.toFixed(0),
        tps === undefined ? '-' : percent(load.requestsPerSecond, tps),
      );
    }
    lines.push(cells);
  }
  return markdown(lines);
}

/** The service beside the raw node:http + pg server and the bare Nest app, same requests. */
function referenceTable(rows: Row[], adapter: string, byRuntime: boolean): string {
  const header = [
    ...(byRuntime ? ['node'] : []),
    'scenario',
    'conns',
    'raw req/s',
    'raw CPU us/req',
    `bare Nest (${adapter}) req/s`,
    'bare Nest CPU us/req',
    'service req/s',
    'service CPU us/req',
    'service req/s % of raw',
    'of bare Nest',
    'service CPU / bare Nest CPU',
  ];
  const lines = [header, header.map(() => '---')];
  for (const row of rows) {
    const { raw, bare } = row.references;
    if (!raw || !bare) continue;
    const service = row.service;
    lines.push([
      ...(byRuntime ? [row.runtime] : []),
      row.scenario,
      String(row.connections),
      raw.load.requestsPerSecond.toFixed(0),
      raw.cpuMicrosPerRequest.toFixed(0),
      bare.load.requestsPerSecond.toFixed(0),
      bare.cpuMicrosPerRequest.toFixed(0),
      service.load.requestsPerSecond.toFixed(0),
      service.cpuMicrosPerRequest.toFixed(0),
      percent(service.load.requestsPerSecond, raw.load.requestsPerSecond),
      percent(service.load.requestsPerSecond, bare.load.requestsPerSecond),
      `${(service.cpuMicrosPerRequest / bare.cpuMicrosPerRequest).toFixed(2)}x`,
    ]);
  }
  return lines.length > 2 ? markdown(lines) : '';
}

/** The node flags of package.json's start script (`node [flags] dist/src/main.js`), if any. */
function startScriptNodeFlags(): string[] {
  const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as {
    scripts: Record<string, string>;
  };
  const command = /^node((?: --?\S+)*) dist\/src\/main\.js$/.exec(scripts.start ?? '');
  return command ? command[1].trim().split(/\s+/).filter(Boolean) : [];
}

/** Asks each BENCH_NODE binary what it is (with its flags, so a bad flag fails here). */
function describeRuntime(spec: RuntimeSpec): Runtime {
  const output = execFileSync(
    spec.node,
    [...spec.flags, '-p', 'process.version + " " + process.versions.v8'],
    { encoding: 'utf8' },
  ).trim();
  const [version, v8] = output.split(' ');
  return {
    ...spec,
    label: [version, ...spec.flags].join(' '),
    description: `Node ${version} (V8 ${v8})`,
  };
}

/** Versions in the report: what the table was measured on. */
function versions(): string {
  const version = (name: string) => {
    try {
      const file = join('node_modules', name, 'package.json');
      return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    } catch {
      return 'absent';
    }
  };
  return ['@nestjs/core', '@nestjs/platform-express', '@nestjs/platform-fastify', 'pg', 'pino']
    .map((name) => `${name} ${version(name)}`)
    .join(', ');
}

async function main(): Promise<void> {
  const config = readConfig();
  const runtimes = config.runtimes.map(describeRuntime);
  for (const runtime of runtimes)
    say(`runtime: ${runtime.description} at ${runtime.node} ${runtime.flags.join(' ')}`);
  mkdirSync(WORK_DIR, { recursive: true });
  ensureWrk();
  if (!config.skipBuild) {
    say('building');
    execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  }

  const databaseName = `bench_${Date.now()}`;
  let databaseUrl: string | undefined;
  const running: RunningServer[] = [];
  const cleanUp = async () => {
    await Promise.all(running.map((server) => stopServer(server).catch(() => undefined)));
    killAll();
    if (databaseUrl) await dropDatabase(config.adminUrl, databaseName);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`${signal}: stopping the servers and dropping ${databaseName}`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    databaseUrl = await createDatabase(config.adminUrl, databaseName);
    const env = { DATABASE_URL: databaseUrl, HTTP_ADAPTER: config.adapter };
    const profile = config.cpuProfileDir
      ? ['--cpu-prof', `--cpu-prof-dir=${config.cpuProfileDir}`]
      : [];
    // Read once: every service runs with the same start-script flags, and the report names them.
    const startFlags = startScriptNodeFlags();
    const sets: ServerSet[] = [];
    for (const [index, runtime] of runtimes.entries()) {
      // Each runtime's servers on ports of their own: the service, then raw and bare Nest.
      const port = config.port + 3 * index;
      const logFile = (file: string) =>
        runtimes.length > 1 ? file.replace(/(\.log)?$/, `-${index + 1}$1`) : file;
      const service = await startServer({
        name: 'service',
        node: runtime.node,
        // As production runs it: the start script's command, logging at info to a file.
        args: [...profile, ...startFlags, ...runtime.flags, 'dist/src/main.js'],
        env: {
          ...env,
          NODE_ENV: 'production',
          APP_ENV: 'production',
          LOG_LEVEL: 'info',
          SHUTDOWN_GRACE_MS: '2000',
          // The webhooks scenario's receiver listens on 127.0.0.1.
          WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
        },
        port,
        logFile: logFile(config.serviceLog),
        readyPath: '/health',
      });
      running.push(service);
      const idleRss = rssMiB(service.process.pid!).now;
      say(
        `service on ${runtime.description} ${runtime.flags.join(' ')} up at ${service.url} ` +
          `(pid ${service.process.pid}, ${idleRss.toFixed(0)} MiB), database ${databaseName}`,
      );
      const references: Partial<Record<Reference, RunningServer>> = {};
      if (config.references) {
        const reference = async (name: Reference, file: string, offset: number) => {
          const server = await startServer({
            name,
            node: runtime.node,
            args: [
              ...runtime.flags,
              '-r',
              'ts-node/register/transpile-only',
              join(__dirname, file),
            ],
            env: { ...env, TS_NODE_PROJECT: 'tsconfig.json' },
            port: port + offset,
            logFile: logFile(join(WORK_DIR, `${name}.log`)),
            readyPath: '/health/live',
          });
          running.push(server);
          references[name] = server;
        };
        await reference('raw', 'raw-server.ts', 1);
        await reference('bare', 'bare-nest.ts', 2);
        say(`references up: raw node:http + pg, bare Nest on ${config.adapter}`);
      }
      sets.push({ runtime, service, references, idleRss });
    }
    const started = Date.now();
    await bulkLoad(databaseUrl, config.rows);
    say(`bulk-loaded ${config.rows} records in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const today = new Date();
    const context: RunContext = {
      recordId: await anyRecordId(databaseUrl),
      today: today.toISOString().slice(0, 10),
      weekAgo: new Date(today.getTime() - 6 * 86_400_000).toISOString().slice(0, 10),
      monthAgo: new Date(today.getTime() - 29 * 86_400_000).toISOString().slice(0, 10),
    };
    // Readers first, so list and summary see exactly the bulk-loaded table.
    const selected = SCENARIOS.filter((scenario) => config.scenarios.includes(scenario.name));
    const order = [...selected.filter((s) => !s.writes), ...selected.filter((s) => s.writes)];
    const rows: Row[] = [];
    for (const scenario of order) {
      for (const connections of config.connections) {
        rows.push(...(await measure(config, scenario, connections, sets, databaseUrl, context)));
      }
    }
    const benchUrl = databaseUrl;
    const first = sets[0];
    const webhooks = config.scenarios.includes('webhooks')
      ? await benchWebhooks({
          serviceUrl: first.service.url,
          databaseUrl: benchUrl,
          say,
          measure: async (name) => {
            const scenario = SCENARIOS.find((s) => s.name === name)!;
            const [row] = await measure(
              { ...config, queryModes: [] },
              scenario,
              config.connections[0],
              [{ ...first, references: {} }],
              benchUrl,
              context,
            );
            return {
              requestsPerSecond: row.service.load.requestsPerSecond,
              cpuMicrosPerRequest: row.service.cpuMicrosPerRequest,
            };
          },
        })
      : undefined;
    const postgres = await withClient(databaseUrl, async (client) => {
      const { rows } = await client.query<{ v: string }>(
        `SELECT current_setting('server_version') AS v`,
      );
      return rows[0].v;
    });
    // By runtime, then in the order the scenarios were named.
    const runtimeIndex = (row: Row) => runtimes.findIndex((r) => r.label === row.runtime);
    rows.sort(
      (a, b) =>
        runtimeIndex(a) - runtimeIndex(b) ||
        selected.findIndex((s) => s.name === a.scenario) -
          selected.findIndex((s) => s.name === b.scenario),
    );
    const byRuntime = sets.length > 1;
    const rssLines = sets.map((set) => {
      const rss = rssMiB(set.service.process.pid!);
      const flags = set.runtime.flags.length > 0 ? ` ${set.runtime.flags.join(' ')}` : '';
      return (
        `service RSS on ${set.runtime.description}${flags}: ${set.idleRss.toFixed(0)} MiB idle after start-up, ` +
        `peak ${rss.peak.toFixed(0)} MiB (VmHWM), ${rss.now.toFixed(0)} MiB at the end`
      );
    });

    const report = [
      `${new Date().toISOString()}: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
        `${[...new Set(sets.map((set) => set.runtime.description))].join(' and ')}` +
        `${startFlags.length > 0 ? ` (start script: ${startFlags.join(' ')})` : ''}, ` +
        `PostgreSQL ${postgres}, ${versions()}; adapter ${config.adapter}; ` +
        `${config.rows} bulk-loaded records, wrk, ${config.duration} s per run after ${config.warmup} s warm-up`,
      '',
      serviceTable(rows, config.queryModes, byRuntime),
      '',
      referenceTable(rows, config.adapter, byRuntime),
      '',
      ...(webhooks ? [webhooks, ''] : []),
      ...rssLines,
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
