/**
 * The load generator: wrk (Debian's `wrk`), which corrects latency for coordinated
 * omission, started in a session of its own (setsid) as BENCHMARKS.md asks on this
 * machine. Installed with apt-get when missing, as .ci/run does for chromium.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInOwnSession } from './processes';
import type { HttpRequestSpec } from './scenarios';

export interface LoadSpec extends HttpRequestSpec {
  url: string;
  connections: number;
  duration: number;
  /** File of ids, one a line, taken in turn for `{id}` in the path (never twice). */
  idsFile?: string;
}

export interface LoadResult {
  /** 2xx answers per second. */
  requestsPerSecond: number;
  /** Latency percentiles in ms, corrected for coordinated omission. */
  p50: number;
  p99: number;
  /** Non-2xx answers plus socket errors (connect, read, write, timeout). */
  errors: number;
  /** Requests answered in the measured run: what a server's CPU time is divided by. */
  answered: number;
}

const THREADS = 2;

export function ensureWrk(): void {
  const found = () => {
    try {
      execFileSync('wrk', ['--version'], { stdio: 'ignore' });
      return true;
    } catch (error) {
      // wrk --version exits 1 after printing its version: only a missing binary throws ENOENT.
      return (error as NodeJS.ErrnoException).code !== 'ENOENT';
    }
  };
  if (found()) return;
  try {
    execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq wrk'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    // Reported below.
  }
  if (!found()) throw new Error('wrk is not installed and apt-get could not install it');
}

const lua = (text: string) => JSON.stringify(text);

/** The request as a wrk script: method, body, and for `{id}` paths the next id of the file. */
function script(spec: LoadSpec, threads: number): string {
  const lines = [`wrk.method = ${lua(spec.method)}`];
  if (spec.body !== undefined) {
    lines.push(`wrk.body = ${lua(spec.body)}`, `wrk.headers["Content-Type"] = "application/json"`);
  }
  if (spec.idsFile) {
    // Thread k of n takes ids k+1, k+1+n, ...: no id is sent twice; past the end they repeat
    // (and answer 409, counted as errors: the seed was too small).
    const [before, after] = spec.path.split('{id}');
    lines.push(
      'local started = 0',
      'function setup(thread) thread:set("offset", started); started = started + 1 end',
      `function init() ids = {}; for line in io.lines(${lua(spec.idsFile)}) do ids[#ids + 1] = line end; taken = offset end`,
      `function request() local id = ids[taken % #ids + 1]; taken = taken + ${threads}; return wrk.format(nil, ${lua(before)} .. id .. ${lua(after)}) end`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function milliseconds(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (!match) return NaN;
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(match[1]) * scale;
}

/** Runs wrk for `spec.duration` seconds and parses its report. */
export async function runLoad(spec: LoadSpec, workDir: string): Promise<LoadResult> {
  const scriptFile = join(workDir, 'wrk-script.lua');
  const threads = Math.min(THREADS, spec.connections);
  writeFileSync(scriptFile, script(spec, threads));
  const path = spec.idsFile ? '/' : spec.path;
  const args = [
    `--threads=${threads}`,
    `--connections=${spec.connections}`,
    `--duration=${spec.duration}s`,
    '--latency',
    `--script=${scriptFile}`,
    `${spec.url}${path}`,
  ];
  const { code, stdout, stderr } = await runInOwnSession('wrk', args);
  const answered = /^\s*(\d+) requests in ([\d.]+)(m|s|ms)/m.exec(stdout);
  if (code !== 0 || !answered) throw new Error(`wrk failed (${code}): ${stderr || stdout}`);
  const seconds = milliseconds(`${answered[2]}${answered[3]}`) / 1000;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    stdout,
  );
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const percentile = (p: string) =>
    milliseconds(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(stdout)?.[1] ?? '');
  const total = Number(answered[1]);
  return {
    requestsPerSecond: (total - non2xx) / seconds,
    p50: percentile('50'),
    p99: percentile('99'),
    errors: non2xx + socketErrors,
    answered: total,
  };
}
