import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Exchange } from '../faults/exchange';
import { freePortInRange, ServiceProcess, startService, waitFor } from '../process-harness';
import { migrateFromScratch } from '../test-database';
import { Cluster, createPrimaryAndStandby, SCALE_DIR } from './clusters';
import { FailoverLoad } from './failover-load';

/** What the clients were told, against what the promoted standby holds. */
interface Figures {
  replication: string;
  requests: number;
  acknowledgedCreates: number;
  acknowledgedCreatesLost: number;
  processAnswersLost: number;
  processedTwice: number;
  twoExitsFromPending: number;
  keysWhoseRetryCreatedAnotherRecord: number;
  serverErrorsOtherThan503: number;
  answered503: number;
  secondsToFirst2xxAfterPromotion: number;
  health503DuringGap: number;
  health200DuringGap: number;
  health200After: number;
  healthNot200After: number;
}

const is2xx = (e: Exchange) => e.status !== undefined && e.status >= 200 && e.status < 300;

/**
 * The primary dies under load and the standby is promoted by hand (`pg_ctl promote`).
 * Two service instances (each with its worker) know both servers from DATABASE_URL
 * (`h1,h2` with target_session_attrs=read-write) and follow the promotion by themselves.
 * Run with synchronous replication (nothing acknowledged may be lost) and with
 * asynchronous replication, where the replication link is stalled for a second before
 * the crash (the walsender stopped), as a lagging standby would be.
 */
describe.each([
  { replication: 'synchronous', sync: true },
  { replication: 'asynchronous', sync: false },
])('Failover under load ($replication replication)', ({ replication, sync }) => {
  let primary: Cluster;
  let standby: Cluster;
  let services: ServiceProcess[] = [];

  beforeAll(async () => {
    const primaryPort = await freePortInRange(55_570, 55_589);
    const standbyPort = await freePortInRange(primaryPort + 1, 55_589);
    ({ primary, standby } = await createPrimaryAndStandby(primaryPort, standbyPort, {
      names: [`failover-${replication}-primary`, `failover-${replication}-standby`],
      primarySettings: ['synchronous_commit = on'],
    }));
    await migrateFromScratch(primary.url());
    // Only once the standby exists: until then every commit would wait for it.
    if (sync) {
      await primary.query(`ALTER SYSTEM SET synchronous_standby_names = 'standby'`);
      await primary.query('SELECT pg_reload_conf()');
    }
    await waitFor(
      'the standby to stream',
      async () => {
        const rows = await primary.query<{ sync_state: string }>(
          `SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'`,
        );
        return rows[0]?.sync_state === (sync ? 'sync' : 'async') ? true : undefined;
      },
      30_000,
    );
    const env = {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${primaryPort},127.0.0.1:${standbyPort}/workflow_test?target_session_attrs=read-write`,
      DB_POOLER: 'none',
      DATABASE_MIGRATION_URL: '',
      DB_POOL_SIZE: '8',
      DB_POOL_TIMEOUT_MS: '1000',
      DB_STATEMENT_TIMEOUT_MS: '5000',
      DB_FAILOVER_TIMEOUT_MS: '30000',
      WORKER_ENABLED: 'true',
      WORKER_POLL_INTERVAL_MS: '200',
      WORKER_BATCH_SIZE: '5',
      // A claim whose request died with the primary is free again soon.
      IDEMPOTENCY_LOCK_MS: '2000',
      LOG_LEVEL: 'warn',
    };
    services = await Promise.all([startService(env), startService(env)]);
    await Promise.all(services.map((service) => service.ready()));
  });

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await standby?.stop().catch(() => undefined);
    await primary?.stop().catch(() => undefined); // when it was never crashed (a failed setup)
    // The crashed primary's directory (its stale pid file) is not started again.
    if (primary) rmSync(primary.dataDir, { recursive: true, force: true });
  });

  it('follows the promoted standby and counts what the clients were told against what it holds', async () => {
    const load = new FailoverLoad(services.map((service) => service.url));
    load.start();
    let killedAt = 0;
    let promotedAt = 0;
    let promotingAt = 0;
    try {
      await waitFor('100 acknowledged creates', () =>
        load.acknowledged >= 100 ? true : undefined,
      );
      if (!sync) {
        // The replication link stalls: commits go on, acknowledged, and the standby gets none of them.
        const [{ pid }] = await primary.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_replication WHERE application_name = 'standby'`,
        );
        process.kill(pid, 'SIGSTOP');
        const before = load.acknowledged;
        await waitFor('creates acknowledged while the link stalls', () =>
          load.acknowledged >= before + 20 ? true : undefined,
        );
      }
      primary.crash();
      killedAt = Date.now();
      // The gap: no primary until an operator (or an HA manager) promotes the standby.
      await new Promise((wake) => setTimeout(wake, 1500));
      // The standby takes writes a moment before `pg_ctl promote` returns: the gap ends
      // when the promotion is asked for.
      promotingAt = Date.now();
      await standby.promote();
      promotedAt = Date.now();
      await waitFor(
        'both instances to answer a write again',
        () =>
          services.every((service) =>
            load.exchanges.some(
              (e) =>
                e.target === service.url &&
                e.kind === 'create' &&
                e.status === 201 &&
                e.start > promotedAt,
            ),
          )
            ? true
            : undefined,
        30_000,
      );
      // A little steady load on the new primary, then stop (bounded by maxRequests too).
      await new Promise((wake) => setTimeout(wake, 2000));
    } finally {
      await load.stop();
    }

    const acknowledged = new Map(
      [...load.creates.values()]
        .filter((create) => create.acknowledgedId)
        .map((create) => [create.key, create.acknowledgedId!]),
    );
    // Every create is sent once more with its key: a replay must name the same record.
    const retried = new Map<string, string | undefined>();
    const attempts = [...load.creates.values()];
    for (let i = 0; i < attempts.length; i += 8) {
      await Promise.all(
        attempts.slice(i, i + 8).map(async (attempt) => {
          // As a client would: again after Retry-After while the first is in flight (a claim
          // committed before the crash, its record not), bounded.
          let replay = await load.sendCreate(services[0].url, attempt);
          for (let tries = 0; tries < 20 && replay.status !== 201; tries++) {
            const seconds = Number(replay.headers?.['retry-after'] ?? 1);
            await new Promise((wake) => setTimeout(wake, Math.min(seconds, 3) * 1000));
            replay = await load.sendCreate(services[0].url, attempt);
          }
          expect({ key: attempt.key, status: replay.status }).toEqual({
            key: attempt.key,
            status: 201,
          });
          retried.set(attempt.key, (replay.body as { id: string }).id);
        }),
      );
    }

    const figures = await count(load, acknowledged, retried, standby, {
      replication,
      killedAt,
      promotingAt,
      promotedAt,
    });
    const report = JSON.stringify(figures, null, 2);
    console.log(`failover, ${replication} replication:\n${report}`);
    mkdirSync(SCALE_DIR, { recursive: true });
    writeFileSync(join(SCALE_DIR, `failover-${replication}.json`), report);

    // Either way: only 503s (with Retry-After) while there was no primary, a new primary
    // found by both instances, /health 503 in the gap and 200 after it, and never two
    // exits from pending in one attempt on the server that remains.
    expect(figures.serverErrorsOtherThan503).toBe(0);
    expect(figures.answered503).toBeGreaterThan(0);
    expect(figures.health503DuringGap).toBeGreaterThan(0);
    expect(figures.health200DuringGap).toBe(0);
    expect(figures.health200After).toBeGreaterThan(0);
    expect(figures.healthNot200After).toBe(0);
    expect(figures.twoExitsFromPending).toBe(0);
    expect(figures.secondsToFirst2xxAfterPromotion).toBeLessThan(10);
    if (sync) {
      expect(figures).toMatchObject({
        acknowledgedCreatesLost: 0,
        processAnswersLost: 0,
        processedTwice: 0,
        keysWhoseRetryCreatedAnotherRecord: 0,
      });
    } else {
      // What the stalled link cost: acknowledged creates gone with their keys, so their
      // retries made new records (one per lost create whose key went with it).
      expect(figures.acknowledgedCreatesLost).toBeGreaterThan(0);
      expect(figures.keysWhoseRetryCreatedAnotherRecord).toBeGreaterThan(0);
      expect(figures.keysWhoseRetryCreatedAnotherRecord).toBeLessThanOrEqual(
        figures.acknowledgedCreatesLost,
      );
      expect(figures.processedTwice).toBeLessThanOrEqual(figures.processAnswersLost);
    }
  });
});

async function count(
  load: FailoverLoad,
  acknowledgedBefore: Map<string, string>,
  retried: Map<string, string | undefined>,
  server: Cluster,
  times: { replication: string; killedAt: number; promotingAt: number; promotedAt: number },
): Promise<Figures> {
  const { exchanges, health } = load;
  const acknowledged = [...acknowledgedBefore].map(([key, id]) => ({ key, id }));
  const ids = acknowledged.map((create) => create.id);
  const present = new Set(
    (
      await server.query<{ id: string }>(
        'SELECT id::text FROM records WHERE id = ANY($1::uuid[])',
        [ids],
      )
    ).map((row) => row.id),
  );

  // A process answered 200 is lost when its exit from pending (that request's id) is gone;
  // processed twice when the record left pending again since (a worker or another call).
  const processed = exchanges.filter(
    (e) => /\/records\/[^/]+\/process$/.test(e.path) && e.status === 200,
  );
  const exits = await server.query<{ key: string }>(
    `SELECT record_id::text || ' ' || request_id AS key FROM record_events
      WHERE from_status = 'pending' AND record_id = ANY($1::uuid[])`,
    [processed.map((e) => (e.body as { id: string }).id)],
  );
  const exitKeys = new Set(exits.map((row) => row.key));
  const lostProcesses = processed.filter(
    (e) => !exitKeys.has(`${(e.body as { id: string }).id} ${e.headers?.['x-request-id']}`),
  );
  const [{ again }] = await server.query<{ again: number }>(
    `SELECT count(DISTINCT record_id)::int AS again FROM record_events
      WHERE from_status = 'pending' AND record_id = ANY($1::uuid[])`,
    [lostProcesses.map((e) => (e.body as { id: string }).id)],
  );
  const [{ doubled }] = await server.query<{ doubled: number }>(
    `SELECT count(*)::int AS doubled FROM (
       SELECT 1 FROM record_events WHERE from_status = 'pending'
        GROUP BY record_id, attempt HAVING count(*) > 1) AS twice`,
  );
  const [{ duplicated }] = await server.query<{ duplicated: number }>(
    `SELECT count(*)::int AS duplicated FROM (
       SELECT 1 FROM records WHERE source = 'failover'
        GROUP BY payload->>'key' HAVING count(*) > 1) AS twice`,
  );
  const reissued = acknowledged.filter((create) => retried.get(create.key) !== create.id).length;

  const firstAfter = Math.min(
    ...exchanges.filter((e) => is2xx(e) && e.end > times.promotedAt).map((e) => e.end),
  );
  const inGap = health.filter((e) => e.start > times.killedAt + 500 && e.end < times.promotingAt);
  const after = health.filter((e) => e.start > firstAfter + 1000);
  return {
    replication: times.replication,
    requests: exchanges.length,
    acknowledgedCreates: acknowledged.length,
    acknowledgedCreatesLost: ids.filter((id) => !present.has(id)).length,
    processAnswersLost: lostProcesses.length,
    processedTwice: again,
    twoExitsFromPending: doubled,
    keysWhoseRetryCreatedAnotherRecord: reissued + duplicated,
    serverErrorsOtherThan503: exchanges.filter(
      (e) =>
        e.status !== undefined &&
        e.status >= 500 &&
        !(e.status === 503 && /^\d+$/.test(e.headers?.['retry-after'] ?? '')),
    ).length,
    answered503: exchanges.filter((e) => e.status === 503).length,
    secondsToFirst2xxAfterPromotion: Math.round((firstAfter - times.promotedAt) / 100) / 10,
    health503DuringGap: inGap.filter((e) => e.status === 503).length,
    health200DuringGap: inGap.filter((e) => e.status === 200).length,
    health200After: after.filter((e) => e.status === 200).length,
    healthNot200After: after.filter((e) => e.status !== 200).length,
  };
}
