import { check, CheckInput, sample, Verdict } from './checker';
import { Exchange, jsonHeaders, send } from './exchange';
import { emptyFigures, recordFigures } from './figures';
import { LoadGenerator } from './load-generator';
import { PrivatePostgres } from './private-postgres';
import { localPortsOf } from './processes';
import { ServiceProcess } from '../process-harness';
import { faultService, SERVICE_TIMEOUTS } from './service-process';
import { deadline, delay, freePort, pollUntil } from './timing';

/**
 * The longest a client may wait for any answer: a pooled connection
 * (DB_POOL_TIMEOUT_MS), then one statement (DB_STATEMENT_TIMEOUT_MS, which
 * bounds lock waits too), plus slack for a loaded 2-core machine.
 */
const CLIENT_BOUND_MS =
  SERVICE_TIMEOUTS.DB_POOL_TIMEOUT_MS + SERVICE_TIMEOUTS.DB_STATEMENT_TIMEOUT_MS + 2000;
/** The service must serve writes again this soon after the database returns. */
const RECOVERY_BOUND_MS = 5000;

describe('fault injection under load (real service processes, private PostgreSQL)', () => {
  let pg: PrivatePostgres;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    pg = new PrivatePostgres('.data/faults-pg', await freePort(), 'faults_test');
    await pg.start();
    await pg.recreateDatabase();
    // Shows which session holds which row lock (the frozen-instance scenario).
    await pg.query('CREATE EXTENSION IF NOT EXISTS pgrowlocks');
  }, 120_000);

  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.stop()));
    if (!pg.postmasterPid()) await pg.start();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.splice(0).map((service) => service.stop()));
    await pg?.shutdown();
  }, 60_000);

  async function service(name: string, env: Record<string, string> = {}) {
    const instance = faultService(name, await freePort(), { DATABASE_URL: pg.url, ...env });
    services.push(instance);
    return instance;
  }

  const load = (targets: ServiceProcess[], concurrency = 8) =>
    new LoadGenerator({
      targets: targets.map((s) => s.url),
      concurrency,
      timeoutMs: CLIENT_BOUND_MS,
      maxRequests: 20_000,
    });

  /** Polls a write through `target` until it is acknowledged; the exchanges join the record. */
  async function timeToRecover(target: ServiceProcess, since: number, into: Exchange[]) {
    await pollUntil(
      async () => {
        const exchange = await send({
          target: target.url,
          method: 'POST',
          path: '/records',
          kind: 'probe',
          headers: jsonHeaders,
          body: JSON.stringify({ source: 'probe', category: 'order', payload: { probe: true } }),
          timeoutMs: CLIENT_BOUND_MS,
        });
        into.push(exchange);
        return exchange.status === 201;
      },
      since + RECOVERY_BOUND_MS,
      `${target.name} to accept writes within ${RECOVERY_BOUND_MS} ms of the database returning`,
      100,
    );
    return Date.now() - since;
  }

  /**
   * Drives every acknowledged record still pending through `target`: each must
   * answer 200 (or 409 if a worker got there first) within the bound, which
   * proves no lock was left behind by the fault.
   */
  async function drainPending(target: ServiceProcess, ids: string[], into: Exchange[]) {
    const pending = await pg.query<{ id: string }>(
      `SELECT id::text FROM records WHERE id = ANY($1::uuid[]) AND status = 'pending'`,
      [ids],
    );
    const queue = pending.map((row) => row.id);
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let id = queue.pop(); id; id = queue.pop()) {
          const exchange = await send({
            target: target.url,
            method: 'POST',
            path: `/records/${id}/process`,
            kind: 'process',
            timeoutMs: CLIENT_BOUND_MS,
          });
          into.push(exchange);
          if (exchange.status !== 200 && exchange.status !== 409) {
            throw new Error(`draining ${id}: ${sample([exchange])}`);
          }
        }
      }),
    );
  }

  function assertVerdict(name: string, verdict: Verdict, extra: Partial<Verdict> = {}) {
    const problems: string[] = [];
    if (verdict.lost.length) problems.push(`lost writes: ${verdict.lost.join(', ')}`);
    if (verdict.answeredProcessedButPending.length)
      problems.push(
        `answered processed, still pending: ${verdict.answeredProcessedButPending.join(', ')}`,
      );
    if (verdict.doubleProcessed.length)
      problems.push(`processed twice: ${JSON.stringify(verdict.doubleProcessed)}`);
    if (verdict.danglingIdempotencyKeys?.length)
      problems.push(
        `idempotency keys naming no record: ${verdict.danglingIdempotencyKeys.join(', ')}`,
      );
    if (verdict.serverErrors.length)
      problems.push(`5xx other than 503+Retry-After: ${sample(verdict.serverErrors)}`);
    if (verdict.hangs.length)
      problems.push(`hangs past ${CLIENT_BOUND_MS} ms: ${sample(verdict.hangs)}`);
    if (verdict.dropped.length) problems.push(`unanswered requests: ${sample(verdict.dropped)}`);
    if (verdict.processedWithoutEvent.length)
      problems.push(
        `200 to process without its event: ${verdict.processedWithoutEvent.join(', ')}`,
      );
    Object.assign(verdict, extra);
    if (problems.length) {
      // The services' own account of what went wrong (they log at warn and above).
      const logs = services.map((s) => `--- ${s.name} (${s.url})\n${s.log()}`).join('\n');
      throw new Error(`${name}:\n${problems.join('\n')}\n${logs}`);
    }
  }

  async function finish(
    name: string,
    input: CheckInput,
    figures: { faults: number; recoveryMs?: number; expectUnavailable?: boolean },
  ) {
    const verdict = await check(input);
    recordFigures({
      scenario: name,
      faults: figures.faults,
      requests: verdict.requests,
      acknowledged: verdict.acknowledged,
      lost: verdict.lost.length,
      doubleProcessed: verdict.doubleProcessed.length,
      serverErrors: verdict.serverErrors.length,
      unavailable: verdict.unavailable,
      hangs: verdict.hangs.length,
      longestOutageWaitMs: verdict.longestOutageWaitMs,
      recoveryMs: figures.recoveryMs,
    });
    assertVerdict(name, verdict);
    if (figures.expectUnavailable) expect(verdict.unavailable).toBeGreaterThan(0);
    expect(verdict.longestOutageWaitMs).toBeLessThanOrEqual(CLIENT_BOUND_MS);
    if (figures.recoveryMs !== undefined)
      expect(figures.recoveryMs).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
    return verdict;
  }

  async function databaseOutage(name: string, fault: () => Promise<void>) {
    const a = await service('a', { WORKER_ENABLED: 'true', WORKER_POLL_INTERVAL_MS: '100' });
    await a.start();
    const traffic = load([a]);
    traffic.start();
    const extra: Exchange[] = [];
    try {
      await traffic.waitForAcks(40);
      const down = Date.now();
      await fault();
      // Keep it down until clients have been told so (bounded), then bring it back.
      const seen = traffic.exchanges.length;
      await pollUntil(
        () =>
          Date.now() - down >= 1500 &&
          traffic.exchanges.slice(seen).filter((e) => e.status === 503).length >= 5,
        deadline(6000),
        'clients to get 503 while the database is down',
      );
      await pg.start();
      const back = Date.now();
      const recoveryMs = await timeToRecover(a, back, extra);
      await traffic.waitForAcks(40);
      await traffic.stop();
      await drainPending(a, traffic.created, extra);
      await finish(
        name,
        {
          db: pg,
          exchanges: [...traffic.exchanges, ...extra],
          outages: [{ from: down, to: back }],
        },
        { faults: 1, recoveryMs, expectUnavailable: true },
      );
    } finally {
      await traffic.stop();
    }
  }

  it('PostgreSQL restarted (fast shutdown) mid-load', async () => {
    await databaseOutage('postgres fast restart', () => pg.stopFast());
  });

  it('PostgreSQL crashed (immediate shutdown, SIGQUIT) mid-load', async () => {
    await databaseOutage('postgres crash (SIGQUIT)', () => pg.crash());
  });

  it('a service process killed with SIGKILL mid-load (two instances)', async () => {
    const a = await service('a', { WORKER_ENABLED: 'true', WORKER_POLL_INTERVAL_MS: '50' });
    const b = await service('b');
    await Promise.all([a.start(), b.start()]);
    const traffic = load([a, b]);
    traffic.start();
    const extra: Exchange[] = [];
    try {
      await traffic.waitForAcks(40);
      const killedAt = Date.now();
      a.signal('SIGKILL');
      await within(a.exited, 5000, 'the killed process to exit');
      // The survivor carries on; what the dead one held is released by PostgreSQL.
      await traffic.waitForAcks(60);
      await traffic.stop();
      await drainPending(b, traffic.created, extra);
      await finish(
        'service SIGKILL (1 of 2)',
        {
          db: pg,
          exchanges: [...traffic.exchanges, ...extra],
          excused: [{ target: a.url, from: killedAt, to: Number.MAX_SAFE_INTEGER }],
        },
        { faults: 1 },
      );
    } finally {
      await traffic.stop();
    }
  });

  it('a service process frozen (SIGSTOP) while it holds row locks, then continued', async () => {
    const idleMs = SERVICE_TIMEOUTS.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS;
    // A's worker claims batches under FOR UPDATE SKIP LOCKED: it often holds row locks.
    const a = await service('a', {
      WORKER_ENABLED: 'true',
      WORKER_BATCH_SIZE: '20',
      WORKER_POLL_INTERVAL_MS: '20',
    });
    const b = await service('b');
    await Promise.all([a.start(), b.start()]);
    const traffic = load([a, b]);
    traffic.start();
    const extra: Exchange[] = [];
    let continuedAt = Number.MAX_SAFE_INTEGER;
    let frozen: { at: number; sessions: number[]; locked: string[] } | undefined;
    try {
      await traffic.waitForAcks(30);
      // Freeze A at an instant one of its sessions is idle in a transaction holding row
      // locks; if it holds none at that instant, let it go and try again (bounded).
      const until = deadline(30_000);
      for (let attempt = 1; !frozen && Date.now() < until; attempt++) {
        a.signal('SIGSTOP');
        const at = Date.now();
        frozen = await lockHeldBy(a, at);
        if (!frozen) {
          a.signal('SIGCONT');
          await delay(10 + (attempt % 7) * 10);
        }
      }
      if (!frozen) throw new Error('could not catch the instance holding a row lock within 30 s');
      const { at, sessions, locked } = frozen;

      // PostgreSQL ends the frozen sessions after idle_in_transaction_session_timeout...
      await pollUntil(
        async () =>
          (await pg.query(`SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])`, [sessions]))
            .length === 0,
        at + idleMs + 2000,
        `the frozen sessions to be ended by the idle-in-transaction timeout`,
      );
      const releasedMs = Date.now() - at;
      // ... and the other instance can then process the rows they held.
      await Promise.all(
        locked.map((id) =>
          pollUntil(
            async () => {
              const exchange = await send({
                target: b.url,
                method: 'POST',
                path: `/records/${id}/process`,
                kind: 'process',
                timeoutMs: CLIENT_BOUND_MS,
              });
              extra.push(exchange);
              return exchange.status === 200 || exchange.status === 409;
            },
            at + idleMs + SERVICE_TIMEOUTS.DB_LOCK_TIMEOUT_MS + 3000,
            `instance b to process ${id}, locked by the frozen instance`,
            100,
          ),
        ),
      );
      const proceededMs = Date.now() - at;

      a.signal('SIGCONT');
      continuedAt = Date.now();
      const recoveryMs = await timeToRecover(a, continuedAt, extra);
      await traffic.waitForAcks(30);
      await traffic.stop();
      await drainPending(b, traffic.created, extra);
      await finish(
        'service SIGSTOP holding locks',
        {
          db: pg,
          exchanges: [...traffic.exchanges, ...extra],
          // Requests to the frozen instance wait while it is frozen: that is the fault.
          excused: [{ target: a.url, from: at, to: continuedAt }],
        },
        { faults: 1, recoveryMs },
      );
      console.log(
        `frozen instance held ${locked.length} row lock(s); sessions ended after ${releasedMs} ms; ` +
          `other instance processed them ${proceededMs} ms after the freeze`,
      );
      expect(releasedMs).toBeLessThanOrEqual(idleMs + 2000);
    } finally {
      if (frozen && continuedAt === Number.MAX_SAFE_INTEGER) a.signal('SIGCONT');
      await traffic.stop();
    }
  });

  /** The sessions of a (frozen) instance idle in a transaction, and the records they lock. */
  async function lockHeldBy(instance: ServiceProcess, at: number) {
    const ports = [...localPortsOf(instance.pid)];
    const sessions = await pg.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE client_port = ANY($1::int[]) AND state = 'idle in transaction'`,
      [ports],
    );
    if (sessions.length === 0) return undefined;
    const pids = sessions.map((row) => row.pid);
    const locked = await pg.query<{ id: string }>(
      `SELECT r.id::text FROM pgrowlocks('records') l JOIN records r ON r.ctid = l.locked_row
        WHERE l.pids && $1::int[]`,
      [pids],
    );
    if (locked.length === 0) return undefined;
    return { at, sessions: pids, locked: locked.map((row) => row.id) };
  }

  it('the pool exhausted by slow queries (a table lock held for 3 s, pool of 2)', async () => {
    const c = await service('c', { DB_POOL_SIZE: '2' });
    await c.start();
    const traffic = load([c], 10);
    traffic.start();
    const extra: Exchange[] = [];
    const locker = pg.client();
    await locker.connect();
    try {
      await traffic.waitForAcks(30);
      await locker.query(`SET lock_timeout = '5s'`);
      await locker.query('BEGIN');
      // Every statement on records now waits: each holds a pooled connection meanwhile.
      await locker.query('LOCK TABLE records IN ACCESS EXCLUSIVE MODE');
      const lockedAt = Date.now();
      const seen = traffic.exchanges.length;
      await pollUntil(
        () =>
          Date.now() - lockedAt >= 3000 &&
          traffic.exchanges.slice(seen).filter((e) => e.status === 503).length >= 5,
        deadline(10_000),
        'clients to get 503 while the pool is exhausted',
      );
      await locker.query('COMMIT');
      const releasedAt = Date.now();
      const recoveryMs = await timeToRecover(c, releasedAt, extra);
      await traffic.waitForAcks(30);
      await traffic.stop();
      await drainPending(c, traffic.created, extra);
      await finish(
        'pool exhausted (slow queries)',
        {
          db: pg,
          exchanges: [...traffic.exchanges, ...extra],
          outages: [{ from: lockedAt, to: releasedAt }],
        },
        { faults: 1, recoveryMs, expectUnavailable: true },
      );
    } finally {
      await traffic.stop();
      await locker.end();
    }
  });

  it('the database unreachable at start-up: exits 1 within the bound, saying why', async () => {
    const port = await freePort(); // nothing listens there
    const startupMs = 2000;
    const d = await service('d', {
      DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${port}/faults_test`,
      DB_STARTUP_TIMEOUT_MS: String(startupMs),
    });
    const spawnedAt = Date.now();
    d.spawn();
    const status = await within(d.exited, startupMs + 15_000, 'the service to give up');
    const elapsed = Date.now() - spawnedAt;
    expect(status).toEqual({ code: 1, signal: null });
    expect(d.log()).toContain(`Could not connect to PostgreSQL at 127.0.0.1:${port}/faults_test`);
    recordFigures(emptyFigures('db unreachable at start-up', 1));
    console.log(`service gave up after ${elapsed} ms (DB_STARTUP_TIMEOUT_MS=${startupMs})`);
  });

  it('the database appearing during start-up: the service comes up by itself', async () => {
    await pg.stopFast();
    const e = await service('e', { DB_STARTUP_TIMEOUT_MS: '30000' });
    e.spawn();
    // It is alive and retrying, not serving, while the database is away.
    const spawnedAt = Date.now();
    await pollUntil(
      () => Date.now() - spawnedAt >= 1000,
      deadline(5000),
      'the service to retry for a second',
    );
    expect(e.exitStatus).toBeUndefined();
    await pg.start();
    const back = Date.now();
    await e.ready(30_000);
    const upMs = Date.now() - back;
    recordFigures(emptyFigures('db appears during start-up', 1));
    console.log(`service came up ${upMs} ms after the database appeared`);
    // Backoff is capped at 5 s; then migrations and boot.
    expect(upMs).toBeLessThanOrEqual(10_000);
  });
});

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, fail) => {
      timer = setTimeout(() => fail(new Error(`timed out waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
