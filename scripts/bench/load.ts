/**
 * One autocannon run, in its own process: main.ts starts it detached (setsid), as
 * BENCHMARKS.md asks of a load generator on this machine. Reads a LoadSpec as JSON
 * from argv[2], prints a LoadResult as JSON on stdout.
 */
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import type { HttpRequestSpec } from './scenarios';

export interface LoadSpec extends HttpRequestSpec {
  url: string;
  connections: number;
  duration: number;
  warmup: number;
  /** File of ids, one a line, taken in turn for `{id}` in the path. */
  idsFile?: string;
}

export interface LoadResult {
  /** 2xx answers per second. */
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Non-2xx answers plus socket errors (autocannon counts timeouts among them). */
  errors: number;
  /** Requests answered, warm-up included: what the service's CPU time is divided by. */
  sent: number;
}

function run(spec: LoadSpec, duration: number, next?: () => string): Promise<autocannon.Result> {
  const request: autocannon.Request = { method: spec.method, path: spec.path };
  if (spec.body !== undefined) {
    request.body = spec.body;
    request.headers = { 'content-type': 'application/json' };
  }
  if (next) request.setupRequest = (req) => ({ ...req, path: spec.path.replace('{id}', next()) });
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration,
    requests: [request],
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as LoadSpec;
  let next: (() => string) | undefined;
  if (spec.idsFile) {
    const ids = readFileSync(spec.idsFile, 'utf8').split('\n').filter(Boolean);
    let taken = 0;
    // Past the end the ids repeat and answer 409, counted as errors: the seed was too small.
    next = () => ids[taken++ % ids.length];
  }
  const warmup = spec.warmup > 0 ? (await run(spec, spec.warmup, next)).requests.total : 0;
  const result = await run(spec, spec.duration, next);
  const output: LoadResult = {
    // Successful answers only: a quick 503 must not count as throughput.
    requestsPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
    sent: warmup + result.requests.total,
  };
  process.stdout.write(JSON.stringify(output));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
