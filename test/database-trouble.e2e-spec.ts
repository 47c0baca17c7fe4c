import { createServer, Server, Socket } from 'node:net';
import { Client } from 'pg';
import { aRecordBody } from './builders';
import {
  freePort,
  freePortInRange,
  Outcome,
  PostgresProcess,
  send,
  ServiceProcess,
  startPostgresProcess,
  startService,
  waitFor,
  connectTestClient,
} from './process-harness';

/**
 * A private PostgreSQL the tests can stop and start (never the machine's shared one),
 * on the first free port from 55141 (so parallel runs on one machine do not collide).
 */
const PRIVATE_PG = {
  dataDir: '.data/db-trouble-postgres',
  port: 0,
  database: 'workflow_test',
};

const unavailable = (instance: string) => ({
  kind: 'response',
  status: 503,
  headers: expect.objectContaining({
    'retry-after': '2',
    'content-type': expect.stringMatching(/^application\/problem\+json/),
  }),
  body: {
    type: 'urn:workflow-service:problem:service-unavailable',
    title: 'Service unavailable',
    status: 503,
    detail: 'The database is unavailable or overloaded; retry later',
    instance,
    error: 'ServiceUnavailable',
    message: 'The database is unavailable or overloaded; retry later',
    request_id: expect.any(String),
  },
});

/** Sends one request and says how long the answer took. */
async function timed(
  port: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ outcome: Outcome; ms: number }> {
  const started = Date.now();
  const outcome = await send(port, method, path, { body, timeoutMs: 20_000 });
  return { outcome, ms: Date.now() - started };
}

describe('Database trouble (process)', () => {
  const services: ServiceProcess[] = [];
  const start = async (env: Record<string, string>) => {
    const service = await startService(env);
    services.push(service);
    return service;
  };
  afterEach(() => {
    for (const service of services.splice(0)) service.kill();
  });

  describe('at start-up', () => {
    let silent: Server | undefined;
    const sockets: Socket[] = [];
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => (silent ? silent.close(done) : done(undefined)));
    });

    it('retries with backoff, then exits 1 saying what it tried, when nothing listens', async () => {
      const port = await freePort();
      const started = Date.now();
      const service = await start({
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/workflow_test`,
        DB_STARTUP_TIMEOUT_MS: '1500',
      });
      expect(await service.exited).toEqual({ code: 1, signal: null });
      expect(Date.now() - started).toBeLessThan(10_000);
      const output = service.output();
      expect(output).toMatch(
        /PostgreSQL at 127\.0\.0\.1:\d+\/workflow_test not reachable \(attempt 1: .*ECONNREFUSED.*\); retrying in 250 ms/,
      );
      expect(output).toContain('retrying in 500 ms');
      expect(output).toContain(
        `workflow-service failed to start: Could not connect to PostgreSQL at 127.0.0.1:${port}/workflow_test after 3 attempt(s) over 2 s: connect ECONNREFUSED 127.0.0.1:${port}`,
      );
    });

    it('does not hang on a server that accepts connections but never answers', async () => {
      silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((done) => silent!.listen(0, '127.0.0.1', done));
      const port = (silent.address() as { port: number }).port;
      const started = Date.now();
      const service = await start({
        DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/workflow_test`,
        DB_STARTUP_TIMEOUT_MS: '1000',
        DB_POOL_TIMEOUT_MS: '300',
      });
      expect(await service.exited).toEqual({ code: 1, signal: null });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(service.output()).toMatch(
        new RegExp(
          `failed to start: Could not connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/workflow_test after \\d+ attempt\\(s\\) over 1 s: .*timeout`,
          'i',
        ),
      );
    });
  });

  describe('pool exhausted', () => {
    // One client holds a row lock; the other watches (pg_stat_activity is a snapshot per
    // transaction, so it must not be read inside the locking one).
    let db: Client;
    let locker: Client;
    beforeAll(async () => {
      [db, locker] = await Promise.all([connectTestClient(), connectTestClient()]);
    });
    afterAll(async () => {
      await Promise.all([db.end(), locker.end()]);
    });

    it('answers 503 after DB_POOL_TIMEOUT_MS rather than queueing without bound', async () => {
      const service = await start({
        DB_POOL_SIZE: '2',
        DB_POOL_TIMEOUT_MS: '500',
        DB_LOCK_TIMEOUT_MS: '20000',
        DB_STATEMENT_TIMEOUT_MS: '20000',
      });
      await service.ready();
      const { port } = service;
      const created = await send(port, 'POST', '/records', { body: aRecordBody() });
      expect(created).toMatchObject({ kind: 'response', status: 201 });
      const id = (created as { body: { id: string } }).body.id;

      // Two process calls wait for a row lock the test holds: both pooled connections are busy.
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM records WHERE id = $1 FOR UPDATE', [id]);
      const blocked = [1, 2].map(() => send(port, 'POST', `/records/${id}/process`));
      await waitFor('both pooled connections to wait for the lock', async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'workflow-service'
              AND datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0].n === 2 ? true : undefined;
      });

      const { outcome, ms } = await timed(port, 'GET', `/records/${id}`);
      expect(outcome).toEqual(unavailable(`/records/${id}`));
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(2500);
      const metrics = await send(port, 'GET', '/metrics');
      expect((metrics as { body: string }).body).toMatch(/^db_pool_connections 2$/m);
      expect((metrics as { body: string }).body).toMatch(/^db_pool_idle_connections 0$/m);

      // The lock goes: the waiting calls finish (exactly one processes), and reads work again.
      await locker.query('COMMIT');
      const statuses = (await Promise.all(blocked)).map(
        (answer) => (answer as { status: number }).status,
      );
      expect(statuses.sort()).toEqual([200, 409]);
      expect(await send(port, 'GET', `/records/${id}`)).toMatchObject({
        kind: 'response',
        status: 200,
        body: { id, status: 'processed' },
      });
      service.signal('SIGTERM');
      expect(await service.exited).toEqual({ code: 0, signal: null });
    });
  });

  describe('outages', () => {
    let pg: PostgresProcess | undefined;
    const startPg = async () => (pg = await startPostgresProcess(PRIVATE_PG));
    const stopPg = async () => {
      await pg?.stop();
      pg = undefined;
    };
    beforeAll(async () => {
      PRIVATE_PG.port = await freePortInRange(55_141, 55_199);
      // Initialise the cluster (first run only) and create the database, then stop it.
      await startPg();
      await stopPg();
    });
    afterAll(async () => {
      await stopPg();
    });

    it('waits for a late database, answers 503 quickly while it is down, and recovers by itself', async () => {
      const url = `postgres://postgres:postgres@127.0.0.1:${PRIVATE_PG.port}/${PRIVATE_PG.database}`;
      const service = await start({
        DATABASE_URL: url,
        DB_STARTUP_TIMEOUT_MS: '60000',
        DB_POOL_TIMEOUT_MS: '1000',
      });
      const { port } = service;

      // Start-up with the database down: the service retries, then starts once it is up.
      await waitFor('a failed connection attempt to be logged', () =>
        service.output().includes('not reachable (attempt 1') ? true : undefined,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${service.output()}`);
      });
      await startPg();
      await service.ready(30_000);
      const created = await send(port, 'POST', '/records', { body: aRecordBody() });
      expect(created).toMatchObject({ kind: 'response', status: 201 });
      const id = (created as { body: { id: string } }).body.id;

      // The database goes away: every route that needs it answers 503 with Retry-After, fast.
      await stopPg();
      for (const [method, path, body] of [
        ['POST', '/records', aRecordBody()],
        ['GET', `/records/${id}`],
        ['GET', '/records'],
        ['POST', `/records/${id}/process`],
        ['GET', '/reports/summary'],
      ] as const) {
        const { outcome, ms } = await timed(port, method, path, body);
        expect(outcome).toEqual(unavailable(path));
        expect(ms).toBeLessThan(3000);
      }
      const health = await timed(port, 'GET', '/health');
      expect(health.outcome).toMatchObject({
        kind: 'response',
        status: 503,
        body: {
          error: 'ServiceUnavailable',
          message: 'The database did not answer within 1000 ms',
          instance: '/health',
        },
      });
      expect(health.ms).toBeLessThan(3000);
      expect(await send(port, 'GET', '/health/live')).toMatchObject({
        kind: 'response',
        status: 200,
        body: { status: 'ok' },
      });

      // It comes back: the service recovers without a restart.
      await startPg();
      await waitFor(
        'POST /records to succeed again',
        async () => {
          const outcome = await send(port, 'POST', '/records', { body: aRecordBody() });
          if (outcome.kind === 'response' && outcome.status !== 201) {
            expect(outcome).toEqual(unavailable('/records'));
          }
          return outcome.kind === 'response' && outcome.status === 201 ? true : undefined;
        },
        15_000,
        200,
      );
      expect(await send(port, 'GET', `/records/${id}`)).toMatchObject({
        kind: 'response',
        status: 200,
        body: { id, status: 'pending' },
      });
      await service.ready();

      // No answer in all of this was a 500.
      const metrics = await send(port, 'GET', '/metrics');
      expect(metrics).toMatchObject({ kind: 'response', status: 200 });
      expect((metrics as { body: string }).body).not.toMatch(/status="5(?!03)\d\d"/);
      service.signal('SIGTERM');
      expect(await service.exited).toEqual({ code: 0, signal: null });
    });
  });
});
