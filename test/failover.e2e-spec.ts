import { Client } from 'pg';
import { aRecordBody } from './builders';
import {
  connectTestClient,
  freePort,
  Outcome,
  send,
  ServiceProcess,
  startService,
  waitFor,
} from './process-harness';
import { migrateFromScratch } from './test-database';

/**
 * Following the primary (src/database/primary.ts), on the test PostgreSQL: a database
 * whose new sessions are read-only (`ALTER DATABASE ... SET default_transaction_read_only`)
 * is what a standby looks like to the service, and resetting it is a promotion.
 */
describe('Failover: following the host that takes writes', () => {
  const base = new URL(process.env.DATABASE_URL!);
  const database = `${base.pathname.slice(1)}_failover`;
  const host = `${base.hostname}:${base.port || 5432}`;
  const urlWith = (hosts: string, query = '') =>
    `postgres://${base.username}${base.password ? `:${base.password}` : ''}@${hosts}/${database}${query}`;
  let admin: Client;
  let service: ServiceProcess | undefined;

  const readOnly = (on: boolean) =>
    admin.query(
      on
        ? `ALTER DATABASE ${database} SET default_transaction_read_only = on`
        : `ALTER DATABASE ${database} RESET default_transaction_read_only`,
    );
  const unavailable = {
    kind: 'response',
    status: 503,
    headers: expect.objectContaining({ 'retry-after': '2' }),
  };
  const status = (outcome: Outcome) => (outcome.kind === 'response' ? outcome.status : undefined);

  beforeAll(async () => {
    admin = await connectTestClient();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${database}`);
    await migrateFromScratch(urlWith(host));
  });
  afterEach(async () => {
    service?.kill();
    service = undefined;
    await readOnly(false);
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  it('starts on the host of DATABASE_URL that takes writes, answers 503 while none does, and follows when one does', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;
    service = await startService({
      DATABASE_URL: urlWith(`${nowhere},${host}`, '?target_session_attrs=read-write'),
      DATABASE_MIGRATION_URL: '',
      DB_POOL_TIMEOUT_MS: '500',
    });
    await service.ready();
    const created = await send(service.port, 'POST', '/records', { body: aRecordBody() });
    expect(created).toMatchObject({ kind: 'response', status: 201 });
    const id = (created as { body: { id: string } }).body.id;

    // The primary becomes a standby: its new sessions are read-only, its old ones are gone.
    await readOnly(true);
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'workflow-service'`,
      [database],
    );
    await waitFor('the service to look for the primary', () =>
      service!.output().includes('looking for the primary') ? true : undefined,
    );
    // A read would succeed on the read-only server: it is refused because nothing takes writes.
    expect(await send(service.port, 'POST', '/records', { body: aRecordBody() })).toMatchObject(
      unavailable,
    );
    expect(await send(service.port, 'GET', `/records/${id}`)).toMatchObject(unavailable);
    expect(await send(service.port, 'GET', '/health')).toMatchObject({ status: 503 });
    expect(await send(service.port, 'GET', '/health/live')).toMatchObject({ status: 200 });

    await readOnly(false); // promoted
    await waitFor(
      'POST /records to succeed again',
      async () =>
        status(await send(service!.port, 'POST', '/records', { body: aRecordBody() })) === 201
          ? true
          : undefined,
      15_000,
      100,
    );
    expect(await send(service.port, 'GET', `/records/${id}`)).toMatchObject({ status: 200 });
    expect(await send(service.port, 'GET', '/health')).toMatchObject({ status: 200 });
    expect(service.output()).toContain(`primary is now ${host}`);
  });

  it('with one address, a write refused as read-only (25006) drops the pool and waits for that address to take writes, within DB_FAILOVER_TIMEOUT_MS', async () => {
    // The address now leads to a standby (a re-pointed pooler or DNS name) from the start.
    await readOnly(true);
    service = await startService({
      DATABASE_URL: urlWith(host),
      DATABASE_MIGRATION_URL: '',
      DB_FAILOVER_TIMEOUT_MS: '8000',
      DB_POOL_TIMEOUT_MS: '500',
    });
    // Reads work on a standby: the service starts and is ready until a write is refused.
    await service.ready();
    expect(await send(service.port, 'POST', '/records', { body: aRecordBody() })).toMatchObject(
      unavailable,
    );
    await waitFor('the service to look for the primary', () =>
      service!.output().includes('looking for the primary') ? true : undefined,
    );
    expect(service.output()).toContain(`${host} refused a write as read-only`);
    // A connection made while the current host was being asked may still answer reads;
    // once the pool is dropped, readiness says 503 until the search ends.
    await waitFor(
      '/health to say 503 while the service looks',
      async () => (status(await send(service!.port, 'GET', '/health')) === 503 ? true : undefined),
      5_000,
      100,
    );
    // The search is bounded: it gives up (logged), and the next refused write starts another.
    await waitFor(
      'the search to give up',
      () => (service!.output().includes('took writes within 8000 ms') ? true : undefined),
      10_000,
    );

    await readOnly(false);
    await waitFor(
      'POST /records to succeed',
      async () =>
        status(await send(service!.port, 'POST', '/records', { body: aRecordBody() })) === 201
          ? true
          : undefined,
      15_000,
      100,
    );
    expect(await send(service.port, 'GET', '/health')).toMatchObject({ status: 200 });
  });

  it('refuses to start when no host takes writes within DB_STARTUP_TIMEOUT_MS, naming them', async () => {
    await readOnly(true);
    const nowhere = `127.0.0.1:${await freePort()}`;
    service = await startService({
      DATABASE_URL: urlWith(`${nowhere},${host}`),
      DATABASE_MIGRATION_URL: '',
      DB_STARTUP_TIMEOUT_MS: '1000',
      DB_POOL_TIMEOUT_MS: '300',
    });
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(service.output()).toContain(
      `No host of DATABASE_URL (${nowhere}, ${host}) took writes within 1 s`,
    );
  });
});
