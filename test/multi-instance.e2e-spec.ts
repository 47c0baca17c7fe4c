import { Client } from 'pg';
import { ServiceProcess, startService as spawnService, waitFor } from './process-harness';
import { WebhookReceiver } from './webhook-receiver';

/** A running instance of the built service, with the URL it answers on. */
async function startService(env: Record<string, string> = {}): Promise<ServiceProcess> {
  // Ten calls queue on each record's row lock, holding pooled connections while they
  // wait: on a loaded machine the last may wait longer than the default lock, statement and
  // pool timeouts, and a 503 under overload is not what these tests are about.
  const service = await spawnService({
    DB_LOCK_TIMEOUT_MS: '30000',
    DB_POOL_TIMEOUT_MS: '30000',
    DB_STATEMENT_TIMEOUT_MS: '30000',
    ...env,
  });
  await service.ready();
  return service;
}

async function stop(service: ServiceProcess): Promise<void> {
  service.signal('SIGTERM');
  await service.exited;
}

/** Two real service processes on one database: exactly once holds across instances. */
describe('Several instances (e2e)', () => {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  let instances: (ServiceProcess & { url: string })[] = [];

  const exitsFromPending = async (): Promise<{ record_id: string; exits: number }[]> =>
    (
      await db.query<{ record_id: string; exits: number }>(
        `SELECT r.id AS record_id, count(e.id)::int AS exits
           FROM records r LEFT JOIN record_events e ON e.record_id = r.id AND e.from_status = 'pending'
          GROUP BY r.id`,
      )
    ).rows;

  beforeAll(async () => {
    await db.connect();
  });
  beforeEach(async () => {
    await db.query(
      'TRUNCATE records, record_events, idempotency_keys, webhook_endpoints, webhook_events CASCADE',
    );
  });
  afterEach(async () => {
    await Promise.all(instances.map(stop));
    instances = [];
  });
  afterAll(async () => {
    await db.end();
  });

  it('processes each of 20 records exactly once under 10 concurrent calls spread across 2 instances', async () => {
    instances = await Promise.all([startService(), startService()]);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${instances[i % 2].url}/records`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ source: 'multi', category: 'order', payload: { amount: i * 10 } }),
      });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { id: string }).id);
    }

    const calls = ids.flatMap((id) =>
      Array.from({ length: 10 }, (_, n) =>
        fetch(`${instances[n % 2].url}/records/${id}/process`, { method: 'POST' }).then(
          async (response) => ({
            id,
            status: response.status,
            body: (await response.json()) as { message?: string },
          }),
        ),
      ),
    );
    const results = await Promise.all(calls);

    for (const id of ids) {
      const statuses = results.filter((result) => result.id === id).map((r) => r.status);
      expect(statuses.sort()).toEqual([200, ...Array<number>(9).fill(409)]);
    }
    const exits = await exitsFromPending();
    expect(exits).toHaveLength(20);
    expect(exits.every((row) => row.exits === 1)).toBe(true);
    const attempts = await db.query<{ attempts: number }>('SELECT DISTINCT attempts FROM records');
    expect(attempts.rows).toEqual([{ attempts: 1 }]);
  });

  it('with the worker on in both instances (2 batches in flight each), 1,000 pending records from 2 sources all end processed, each exactly once', async () => {
    await db.query(
      `WITH inserted AS (
         INSERT INTO records (source, category, payload)
         SELECT CASE WHEN n % 3 = 0 THEN 'other' ELSE 'bulk' END, 'order', jsonb_build_object('amount', n)
           FROM generate_series(1, 1000) AS n
         RETURNING id, created_at
       )
       INSERT INTO record_events (record_id, from_status, to_status, attempt, at)
       SELECT id, NULL, 'pending', 0, created_at FROM inserted`,
    );
    const worker = {
      WORKER_ENABLED: 'true',
      WORKER_BATCH_SIZE: '25',
      WORKER_POLL_INTERVAL_MS: '50',
      WORKER_CONCURRENCY: '2',
    };
    instances = await Promise.all([startService(worker), startService(worker)]);

    await waitFor(
      'the workers to drain the queue',
      async () =>
        (await db.query(`SELECT 1 FROM records WHERE status = 'pending' LIMIT 1`)).rowCount === 0
          ? true
          : undefined,
      60_000,
    );
    const exits = await exitsFromPending();
    expect(exits).toHaveLength(1000);
    expect(exits.filter((row) => row.exits !== 1)).toEqual([]);
    const statuses = await db.query(
      `SELECT status, count(*)::int AS n FROM records GROUP BY status`,
    );
    expect(statuses.rows).toEqual([{ status: 'processed', n: 1000 }]);
    const totals = await db.query(
      `SELECT status, sum(n)::int AS n FROM record_totals GROUP BY status HAVING sum(n) <> 0`,
    );
    expect(totals.rows).toEqual([{ status: 'processed', n: 1000 }]);
  });

  it('delivers every webhook event of 1,000 records created in one statement and processed by both workers, from both relays', async () => {
    const receiver = await new WebhookReceiver().start();
    try {
      const env = {
        WORKER_ENABLED: 'true',
        WORKER_BATCH_SIZE: '25',
        WORKER_POLL_INTERVAL_MS: '50',
        WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
        WEBHOOK_POLL_INTERVAL_MS: '100',
        WEBHOOK_RETRY_DELAYS: '1,1,1,1,1',
      };
      instances = await Promise.all([startService(env), startService(env)]);
      const subscribed = await fetch(`${instances[0].url}/webhooks`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: receiver.url() }),
      });
      expect(subscribed.status).toBe(201);
      await db.query(
        `WITH inserted AS (
           INSERT INTO records (source, category, payload)
           SELECT 'bulk', 'order', jsonb_build_object('amount', n) FROM generate_series(1, 1000) AS n
           RETURNING id, created_at
         )
         INSERT INTO record_events (record_id, from_status, to_status, attempt, at)
         SELECT id, NULL, 'pending', 0, created_at FROM inserted`,
      );
      // 1,000 creations and 1,000 outcomes.
      await receiver.receivedCount(2000);
      await waitFor(
        'every delivery to be recorded',
        async () =>
          (await db.query(`SELECT 1 FROM webhook_deliveries WHERE status <> 'succeeded' LIMIT 1`))
            .rowCount === 0
            ? true
            : undefined,
        60_000,
      );
      const ids = receiver.received.map((request) => String(request.headers['webhook-id']));
      const events = await db.query<{ id: string }>('SELECT id FROM webhook_events');
      expect(events.rows).toHaveLength(2000);
      expect(new Set(ids)).toEqual(new Set(events.rows.map((row) => row.id)));
      // Each due delivery is attempted by one instance at a time: no duplicates here.
      expect(ids).toHaveLength(2000);
    } finally {
      await receiver.stop();
    }
  });

  it('creates exactly one record for 20 concurrent requests with one key across 2 instances', async () => {
    instances = await Promise.all([startService(), startService()]);
    const body = JSON.stringify({ source: 'multi', category: 'order', payload: { amount: 5 } });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        fetch(`${instances[n % 2].url}/records`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'across-instances' },
          body,
        }).then(async (response) => ({
          status: response.status,
          replayed: response.headers.get('idempotent-replayed'),
          body: (await response.json()) as { id?: string },
        })),
      ),
    );
    const records = await db.query<{ id: string }>('SELECT id FROM records');
    expect(records.rows).toHaveLength(1);
    const fresh = responses.filter(
      (response) => response.status === 201 && response.replayed === null,
    );
    expect(fresh).toHaveLength(1);
    for (const response of responses) {
      expect([201, 409]).toContain(response.status);
      if (response.status === 201) expect(response.body.id).toBe(records.rows[0].id);
    }
  });

  it('writes JSON log lines that carry the request id', async () => {
    const [instance] = (instances = [await startService()]);
    const response = await fetch(`${instance.url}/records/00000000-0000-4000-8000-000000000000`, {
      headers: { 'X-Request-ID': 'log-trace-42' },
    });
    expect(response.status).toBe(404);
    const logLines = () => instance.output().split('\n');
    await waitFor(
      'the request log line',
      () => (logLines().some((line) => line.includes('log-trace-42')) ? true : undefined),
      5_000,
    );
    const lines = logLines()
      .filter((line) => line.includes('log-trace-42'))
      .map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.request_id).toBe('log-trace-42');
  });
});
