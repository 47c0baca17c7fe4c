import { check, CheckInput, sample, Verdict } from './checker';
import { Exchange, jsonHeaders, send } from './exchange';
import { recordFigures } from './figures';
import { LoadGenerator } from './load-generator';
import { PrivatePostgres } from './private-postgres';
import { SERVICE_TIMEOUTS, ServiceProcess } from './service-process';
import { deadline, freePort, pollUntil } from './timing';

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
    const instance = new ServiceProcess(name, await freePort(), { DATABASE_URL: pg.url, ...env });
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
    if (problems.length) throw new Error(`${name}:\n${problems.join('\n')}`);
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
});
