import { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { startInOwnSession } from './processes';

export interface ServerOptions {
  /** What the report calls it. */
  name: string;
  /** The node binary (default: the one running the bench). */
  node?: string;
  /** Arguments to node. */
  args: string[];
  env: NodeJS.ProcessEnv;
  port: number;
  logFile: string;
  /** Answers 200 once the server is ready. */
  readyPath: string;
}

export interface RunningServer {
  name: string;
  process: ChildProcess;
  url: string;
}

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Starts a node server in a session of its own, on 127.0.0.1:port. Its stdout goes
 * straight to a file, never to a pipe: writing the service's JSON log lines is part of
 * the cost measured, and an undrained pipe would block it.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'w');
  const child = startInOwnSession(options.node ?? process.execPath, options.args, {
    env: { ...process.env, ...options.env, PORT: String(options.port) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ready = await fetch(`${url}${options.readyPath}`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { name: options.name, process: child, url };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`${options.name} did not become ready; see ${options.logFile}`);
}

/** Resident set size of the process now, and its peak so far (VmRSS, VmHWM), in MiB. */
export function rssMiB(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
  return { now: field('VmRSS'), peak: field('VmHWM') };
}

/** CPU time (user + system) the process has used so far, in microseconds. */
export function cpuMicros(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** SIGTERM (graceful: lets a CPU profile be written), then SIGKILL if it lingers. */
export async function stopServer(server: RunningServer): Promise<void> {
  const child = server.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
