/** Every knob of `npm run bench`, read once from the environment. */

const SCENARIO_NAMES = [
  'live',
  'create',
  'get',
  'process',
  'list',
  'summary',
  'summary_7d',
  'timeseries',
  'timeseries_30d',
  'webhooks',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

const QUERY_MODES = ['prepared', 'extended'] as const;
export type QueryMode = (typeof QUERY_MODES)[number];

function integer(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name}=${raw}: must be an integer >= ${min}`);
  }
  return value;
}

function list<T extends string>(name: string, allowed: readonly T[], fallback: readonly T[]): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...fallback];
  const values = raw.split(',').map((value) => value.trim());
  const unknown = values.filter((value) => !allowed.includes(value as T));
  if (unknown.length > 0) {
    throw new Error(`${name}: unknown ${unknown.join(', ')} (known: ${allowed.join(', ')})`);
  }
  return values as T[];
}

function connectionCounts(): number[] {
  const raw = process.env.BENCH_CONNECTIONS ?? '10,50';
  const counts = raw.split(',').map((value) => Number(value.trim()));
  if (counts.some((count) => !Number.isInteger(count) || count < 1 || count > 90)) {
    throw new Error(`BENCH_CONNECTIONS=${raw}: comma-separated integers 1-90`);
  }
  return counts;
}

/** A node binary to run the servers under, and V8/node flags for it (after the start script's). */
export interface RuntimeSpec {
  node: string;
  flags: string[];
}

/**
 * BENCH_NODE: comma-separated entries, each a node binary and optional flags
 * (`/usr/bin/node,/tmp/node24/bin/node --max-semi-space-size=16`); default the node running
 * the bench. Every entry gets its own service and references, measured side by side.
 */
function runtimes(): RuntimeSpec[] {
  const raw = process.env.BENCH_NODE;
  if (raw === undefined || raw.trim() === '') return [{ node: process.execPath, flags: [] }];
  return raw.split(',').map((entry) => {
    const [node, ...flags] = entry.trim().split(/\s+/);
    if (!node || flags.some((flag) => !flag.startsWith('-'))) {
      throw new Error(`BENCH_NODE entry "${entry}": a node binary, then flags starting with -`);
    }
    return { node, flags };
  });
}

export interface BenchConfig {
  scenarios: ScenarioName[];
  connections: number[];
  /** Seconds measured per run (service and pgbench alike). */
  duration: number;
  /** Seconds of unrecorded load before each service run (JIT, pool, caches). */
  warmup: number;
  /** Rows bulk-loaded before the first scenario (list and summary read them). */
  rows: number;
  /** Pending records seeded per process run, per second of run: above any rate reachable here. */
  processRate: number;
  queryModes: QueryMode[];
  /** Server holding the throw-away database; the benchmark creates and drops `bench_<timestamp>`. */
  adminUrl: string;
  port: number;
  /** Where the service's stdout (its JSON logs) goes. */
  serviceLog: string;
  /** `express` (the default) or `fastify`: the service's and the bare Nest reference's adapter. */
  adapter: 'express' | 'fastify';
  /** Run the reference servers (raw node:http + pg, bare Nest) beside the service. */
  references: boolean;
  /** Directory for a V8 CPU profile of the service, written when it stops. */
  cpuProfileDir?: string;
  skipBuild: boolean;
  /** The node binaries (and flags) the servers run under, one set of servers each. */
  runtimes: RuntimeSpec[];
}

export function readConfig(): BenchConfig {
  const duration = integer('BENCH_DURATION', 10, 1);
  return {
    scenarios: list('BENCH_SCENARIOS', SCENARIO_NAMES, SCENARIO_NAMES),
    connections: connectionCounts(),
    duration,
    warmup: integer('BENCH_WARMUP', Math.min(3, duration), 0),
    rows: integer('BENCH_ROWS', 1_000_000, 1),
    processRate: integer('BENCH_PROCESS_RATE', 12_000, 100),
    queryModes: list('BENCH_PGBENCH_MODES', QUERY_MODES, QUERY_MODES),
    adminUrl: process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    port: integer('BENCH_PORT', 18300, 1),
    serviceLog: process.env.BENCH_SERVICE_LOG ?? 'bench-results/service.log',
    adapter: list('HTTP_ADAPTER', ['express', 'fastify'] as const, ['express'])[0],
    references: process.env.BENCH_REFERENCES !== '0',
    cpuProfileDir: process.env.BENCH_CPU_PROF || undefined,
    skipBuild: process.env.BENCH_SKIP_BUILD === '1',
    runtimes: runtimes(),
  };
}
