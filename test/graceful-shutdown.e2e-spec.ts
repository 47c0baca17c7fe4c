import { Client } from 'pg';
import { aRecordBody } from './builders';
import {
  Outcome,
  send,
  ServiceProcess,
  startService,
  waitFor,
  connectTestClient,
} from './process-harness';

const API_KEY = 'shutdown-test-key-5c1f0e2d9a';
const auth = { 'X-API-Key': API_KEY };

/** The real process (node dist/src/main.js), SIGTERM in the middle of load. */
describe('Graceful shutdown (process)', () => {
  let service: ServiceProcess | undefined;
  // One client holds a row lock; the other watches (pg_stat_activity is a snapshot per
  // transaction, so it must not be read inside the locking one).
  let db: Client;
  let locker: Client;

  beforeAll(async () => {
    [db, locker] = await Promise.all([connectTestClient(), connectTestClient()]);
    await db.query('TRUNCATE records, record_events RESTART IDENTITY CASCADE');
  });
  afterAll(async () => {
    service?.kill();
    await Promise.all([db.end(), locker.end()]);
  });

  it('stops accepting, finishes every request in flight, closes the pool and exits 0', async () => {
    service = await startService({
      API_KEYS: API_KEY,
      // Long enough to see readiness turn 503 on a busy machine.
      SHUTDOWN_READINESS_DELAY_MS: '3000',
      // Load must not time out waiting for a connection on a busy machine either.
      DB_POOL_TIMEOUT_MS: '10000',
      SHUTDOWN_GRACE_MS: '15000',
      DB_LOCK_TIMEOUT_MS: '20000',
      DB_STATEMENT_TIMEOUT_MS: '20000',
    });
    await service.ready();
    const { port } = service;

    // A slow request: processing a record whose row the test holds locked.
    const created = await send(port, 'POST', '/records', { body: aRecordBody(), headers: auth });
    expect(created).toMatchObject({ kind: 'response', status: 201 });
    const slowId = (created as { body: { id: string } }).body.id;
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM records WHERE id = $1 FOR UPDATE', [slowId]);
    let slowSettled = false;
    const slow = send(port, 'POST', `/records/${slowId}/process`, { headers: auth }).finally(
      () => (slowSettled = true),
    );
    await waitFor('the process request to wait for the row lock', async () => {
      const { rows } = await db.query(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'workflow-service'
            AND datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return rows.length > 0 ? true : undefined;
    });

    // Load: 8 clients creating records until readiness says the service is going away
    // (as a load balancer would stop sending).
    const outcomes: Outcome[] = [];
    let sending = true;
    // Half the clients present the key as X-API-Key, half as a bearer token.
    const client = async (headers: Record<string, string>) => {
      while (sending)
        outcomes.push(await send(port, 'POST', '/records', { body: aRecordBody(), headers }));
    };
    const load = Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client(i % 2 ? auth : { Authorization: `Bearer ${API_KEY}` }),
      ),
    );
    await waitFor('some load to be served', () => (outcomes.length >= 40 ? true : undefined));

    service.signal('SIGTERM');
    const unready = await waitFor('readiness to turn 503', async () => {
      const health = await send(port, 'GET', '/health');
      return health.kind === 'response' && health.status === 503 ? health : undefined;
    });
    sending = false;
    await load;

    expect(unready).toMatchObject({
      status: 503,
      body: {
        error: 'ServiceUnavailable',
        message: 'Service is shutting down',
        instance: '/health',
        request_id: expect.any(String),
      },
    });
    // Every request sent under load got a whole answer: none was cut off.
    expect(outcomes.filter((outcome) => outcome.kind !== 'response')).toEqual([]);
    expect(new Set(outcomes.map((outcome) => (outcome as { status: number }).status))).toEqual(
      new Set([201]),
    );

    // After the readiness delay the server stops accepting: new connections are refused
    // while the slow request is still in flight.
    await waitFor('new connections to be refused', async () => {
      const outcome = await send(port, 'GET', '/health/live');
      if (outcome.kind === 'response') return undefined;
      // A connection accepted in the instant the listener closes is reset unanswered (the
      // server closes idle connections as it closes): not served either; wait for refusal.
      if (outcome.kind === 'error' && outcome.code === 'ECONNRESET') return undefined;
      expect(outcome).toEqual({ kind: 'error', code: 'ECONNREFUSED' });
      return true;
    });
    // Drain for a while: the slow request stays in flight and the process keeps waiting for it.
    await new Promise((wake) => setTimeout(wake, 1000));
    expect(slowSettled).toBe(false);
    expect(service.exitStatus).toBeUndefined();

    // Let the slow request finish: it is answered, and only then does the process exit 0.
    await locker.query('COMMIT');
    const slowOutcome = await slow;
    expect(slowOutcome).toMatchObject({
      kind: 'response',
      status: 200,
      body: { id: slowId, status: 'processed', attempts: 1 },
    });
    expect(await service.exited).toEqual({ code: 0, signal: null });

    // Nothing left open in the database, and every 201 is a stored record.
    await waitFor('the service connections to be gone', async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = 'workflow-service' AND datname = current_database()`,
      );
      return rows[0].n === 0 ? true : undefined;
    });
    const createdIds = outcomes.map((outcome) => (outcome as { body: { id: string } }).body.id);
    const { rows } = await db.query('SELECT count(*)::int AS n FROM records WHERE id = ANY($1)', [
      createdIds,
    ]);
    expect(rows[0].n).toBe(createdIds.length);
    const { rows: slowRows } = await db.query(
      'SELECT status, attempts FROM records WHERE id = $1',
      [slowId],
    );
    expect(slowRows).toEqual([{ status: 'processed', attempts: 1 }]);

    // The shutdown was logged as it happened (the last lines flushed before exiting), and the
    // API key never was.
    const output = service.output();
    expect(output).toContain('SIGTERM received: draining');
    expect(output).toContain('"msg":"stopped"');
    expect(output).not.toContain(API_KEY);
  });
});
