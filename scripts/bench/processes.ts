import { spawn, SpawnOptions } from 'node:child_process';

/** Every process started here, so a failure or Ctrl-C can stop them all. */
const running = new Set<number>();

/**
 * Starts a command in a session of its own (`detached` is setsid(2)): this kernel
 * schedules by session, so a server and its load generator sharing one would stall
 * each other (see BENCHMARKS.md).
 */
export function startInOwnSession(command: string, args: string[], options: SpawnOptions) {
  const child = spawn(command, args, { ...options, detached: true });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  running.add(pid);
  child.once('exit', () => running.delete(pid));
  return child;
}

/** Runs a command in its own session to the end; resolves with its exit code and output. */
export function runInOwnSession(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = startInOwnSession(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Kills the session of every process still running (each one leads its own group). */
export function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const pid of running) {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }
}
