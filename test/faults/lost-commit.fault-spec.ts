import { CommitCuttingProxy } from './commit-cutting-proxy';
import { emptyFigures, recordFigures } from './figures';
import { PrivatePostgres } from './private-postgres';
import { ServiceProcess } from '../process-harness';
import { faultService } from './service-process';
import { freePort } from './timing';

/**
 * The connection drops after PostgreSQL committed but before its reply reached the
 * service: the service answers 503, and the client retries with the same
 * Idempotency-Key. The retry must find what committed and replay it: no second
 * record, no 409 for a process that did happen.
 */
describe('a lost COMMIT reply (real service process, proxy in front of PostgreSQL)', () => {
  let pg: PrivatePostgres;
  let proxy: CommitCuttingProxy;
  let service: ServiceProcess;
  const figures = emptyFigures('lost COMMIT reply');

  beforeAll(async () => {
    pg = new PrivatePostgres('.data/faults-commit-pg', await freePort(), 'commit_test');
    await pg.start();
    await pg.recreateDatabase();
    proxy = new CommitCuttingProxy(await freePort(), pg.port);
    await proxy.start();
    const viaProxy = new URL(pg.url);
    viaProxy.port = String(proxy.port);
    service = faultService('service', await freePort(), {
      DATABASE_URL: viaProxy.toString(),
    });
    await service.start();
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await proxy?.stop();
    await pg?.shutdown();
    recordFigures(figures);
  }, 60_000);

  async function post(path: string, key: string, body?: unknown) {
    figures.requests++;
    const response = await fetch(`${service.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 503) figures.unavailable++;
    else if (response.status >= 500) figures.serverErrors++;
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  it('a create whose COMMIT reply was lost is replayed on retry, never created twice', async () => {
    const body = { source: 'lost-commit', category: 'order', payload: { amount: 99.99 } };
    proxy.loseNextCommitReply();
    const first = await post('/records', 'create-once', body);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).not.toBeNull();
    figures.faults++;

    const retried = await post('/records', 'create-once', body);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    const stored = await pg.query<{ id: string }>(
      `SELECT id FROM records WHERE source = 'lost-commit'`,
    );
    expect(stored).toEqual([{ id: (JSON.parse(retried.text) as { id: string }).id }]);
    figures.acknowledged++;
    figures.lost += stored.length === 1 ? 0 : 1;
  });

  it('a process whose COMMIT reply was lost replays its 200 on retry, processed once', async () => {
    const created = await post('/records', 'to-process', {
      source: 'lost-commit-process',
      category: 'order',
      payload: { amount: 99.99 },
    });
    expect(created.status).toBe(201);
    const { id } = JSON.parse(created.text) as { id: string };

    proxy.loseNextCommitReply();
    const first = await post(`/records/${id}/process`, 'process-once');
    expect(first.status).toBe(503);
    figures.faults++;

    const retried = await post(`/records/${id}/process`, 'process-once');
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(JSON.parse(retried.text)).toMatchObject({ id, status: 'processed', attempts: 1 });
    const exits = await pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM record_events WHERE record_id = $1 AND from_status = 'pending'`,
      [id],
    );
    expect(exits).toEqual([{ n: 1 }]);
    figures.doubleProcessed += exits[0].n - 1;
    expect(proxy.cuts).toBe(2);
  });
});
