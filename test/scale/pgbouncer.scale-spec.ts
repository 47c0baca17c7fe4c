import { Client } from 'pg';
import { aRecordBody } from '../builders';
import { send, ServiceProcess, startService, waitFor } from '../process-harness';
import { Cluster } from './clusters';

/**
 * Two service instances behind Debian's PgBouncer in transaction pooling mode
 * (DATABASE_URL and DB_POOLER=transaction from test/scale/global-setup.ts; the
 * exactly-once and idempotency specs of the e2e suite run through it as well).
 */
describe('Behind PgBouncer in transaction pooling mode (two instances)', () => {
  const primary = new Cluster('primary', Number(process.env.SCALE_PRIMARY_PORT));
  const bouncerUrl = (database: string) =>
    process.env.DATABASE_URL!.replace(/\/[^/]+$/, `/${database}`);
  let services: ServiceProcess[] = [];

  const startTwo = async (env: Record<string, string> = {}): Promise<ServiceProcess[]> => {
    services = await Promise.all([startService(env), startService(env)]);
    await Promise.all(services.map((service) => service.ready()));
    return services;
  };

  afterEach(async () => {
    await Promise.all(services.map((service) => service.stop()));
    services = [];
  });

  it('runs the migrations once over DATABASE_MIGRATION_URL when two instances start together', async () => {
    const database = `workflow_migrate_${process.pid}_test`;
    await primary.query(`DROP DATABASE IF EXISTS ${database}`);
    await primary.query(`CREATE DATABASE ${database}`);
    const [a, b] = await startTwo({
      DATABASE_URL: bouncerUrl(database),
      DATABASE_MIGRATION_URL: primary.url(database),
    });
    const applied = (service: ServiceProcess) =>
      service
        .output()
        .split('\n')
        .filter((line) => line.includes('applied migration')).length;
    const migrations = new Client({ connectionString: primary.url(database) });
    await migrations.connect();
    const { rows } = await migrations.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM migrations',
    );
    await migrations.end();
    expect(applied(a) + applied(b)).toBe(rows[0].n);
    expect(rows[0].n).toBeGreaterThan(0);
    const created = await send(b.port, 'POST', '/records', { body: aRecordBody() });
    expect(created).toMatchObject({ kind: 'response', status: 201 });
    const id = (created as { body: { id: string } }).body.id;
    expect(await send(a.port, 'GET', `/records/${id}`)).toMatchObject({ status: 200 });
  });

  it('sends lock_timeout with each transaction: a process call behind a held row lock gets 503, then succeeds', async () => {
    const [a, b] = await startTwo({ DB_LOCK_TIMEOUT_MS: '300', DB_STATEMENT_TIMEOUT_MS: '20000' });
    const created = await send(a.port, 'POST', '/records', { body: aRecordBody() });
    const id = (created as { body: { id: string } }).body.id;

    // The lock is held on the primary directly (not through PgBouncer).
    const locker = new Client({ connectionString: primary.url() });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM records WHERE id = $1 FOR UPDATE', [id]);
      // Without the per-transaction lock_timeout the call would wait for the lock as long as it is held.
      expect(await send(b.port, 'POST', `/records/${id}/process`)).toMatchObject({
        kind: 'response',
        status: 503,
        headers: expect.objectContaining({ 'retry-after': expect.any(String) }),
      });
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect(await send(b.port, 'POST', `/records/${id}/process`)).toMatchObject({
      kind: 'response',
      status: 200,
      body: { id, status: 'processed' },
    });
    expect(await send(a.port, 'POST', `/records/${id}/process`)).toMatchObject({
      kind: 'response',
      status: 409,
    });
  });

  it('answers 503 while PostgreSQL behind PgBouncer is down, keeps /health/live, and recovers by itself', async () => {
    const [a, b] = await startTwo({ DB_POOL_TIMEOUT_MS: '1000' });
    const created = await send(a.port, 'POST', '/records', { body: aRecordBody() });
    const id = (created as { body: { id: string } }).body.id;

    await primary.stop();
    try {
      for (const [service, method, path, body] of [
        [a, 'POST', '/records', aRecordBody()],
        [b, 'GET', `/records/${id}`],
        [a, 'GET', '/records'],
        [b, 'POST', `/records/${id}/process`],
        [a, 'GET', '/reports/summary'],
      ] as const) {
        const outcome = await send(service.port, method, path, { body, timeoutMs: 20_000 });
        if (outcome.kind === 'error')
          throw new Error(`${method} ${path}: ${outcome.code}\n${service.log()}`);
        expect(outcome).toMatchObject({
          kind: 'response',
          status: 503,
          body: { type: '/problems/service-unavailable' },
        });
      }
      expect(await send(b.port, 'GET', '/health')).toMatchObject({ status: 503 });
      expect(await send(b.port, 'GET', '/health/live')).toMatchObject({ status: 200 });
    } finally {
      await primary.start();
    }
    for (const service of [a, b]) {
      await waitFor(
        'POST /records to succeed again',
        async () => {
          const outcome = await send(service.port, 'POST', '/records', { body: aRecordBody() });
          return outcome.kind === 'response' && outcome.status === 201 ? true : undefined;
        },
        30_000,
        200,
      );
    }
    expect(await send(b.port, 'GET', `/records/${id}`)).toMatchObject({ status: 200 });
  });
});
