import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { deadline, pollUntil } from './timing';

const MAIN = resolve(__dirname, '../../dist/src/main.js');

/** Short timeouts keep the suite fast; the bounds the checks use derive from them. */
export const SERVICE_TIMEOUTS = {
  DB_POOL_TIMEOUT_MS: 1000,
  DB_STATEMENT_TIMEOUT_MS: 3000,
  DB_LOCK_TIMEOUT_MS: 2000,
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: 2000,
};

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A real service process: `node dist/src/main.js`, on 127.0.0.1 and a private database. */
export class ServiceProcess {
  private child?: ChildProcess;
  private output: string[] = [];
  exited?: Promise<ExitStatus>;
  exitStatus?: ExitStatus;

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (!this.child?.pid) throw new Error(`${this.name} is not running`);
    return this.child.pid;
  }

  /** Spawns the process; does not wait for it to be ready. */
  spawn(): void {
    this.output = [];
    this.exitStatus = undefined;
    const child = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        APP_ENV: 'test',
        LOG_LEVEL: 'warn',
        PORT: String(this.port),
        SHUTDOWN_GRACE_MS: '2000',
        ...Object.fromEntries(Object.entries(SERVICE_TIMEOUTS).map(([k, v]) => [k, String(v)])),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 400) this.output.splice(0, this.output.length - 400);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        done(this.exitStatus);
      }),
    );
    this.child = child;
  }

  /** Spawns it and waits until GET /health answers 200. */
  async start(timeoutMs = 30_000): Promise<void> {
    this.spawn();
    await this.waitHealthy(timeoutMs);
  }

  async waitHealthy(timeoutMs: number): Promise<void> {
    await pollUntil(
      async () => {
        if (this.exitStatus) {
          throw new Error(
            `${this.name} exited (${JSON.stringify(this.exitStatus)}): ${this.log()}`,
          );
        }
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
        return response.status === 200;
      },
      deadline(timeoutMs),
      `${this.name} to be healthy`,
      100,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.log()}`);
    });
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** SIGTERM (graceful), or SIGKILL when it does not stop in time. Always bounded. */
  async stop(): Promise<void> {
    if (!this.child || this.exitStatus) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      this.exited,
      new Promise<undefined>((done) => {
        timer = setTimeout(() => done(undefined), 8000);
      }),
    ]);
    clearTimeout(timer);
    if (!stopped) {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  /** The process's recent output, for failure messages. */
  log(): string {
    return this.output.join('').slice(-4000);
  }
}
