import { aRecordBody } from '../builders';
import { freePortInRange, send, ServiceProcess, startService, waitFor } from '../process-harness';
import { Cluster } from './clusters';

/**
 * The service on a private primary with a real streaming standby as its read replica
 * (test/scale/global-setup.ts): which server answers each read is read from the
 * servers' own pg_stat_statements, not assumed.
 */
describe('Read replicas (streaming standby)', () => {
  const primary = new Cluster('primary', Number(process.env.SCALE_PRIMARY_PORT));
  const standby = new Cluster('standby', Number(process.env.SCALE_STANDBY_PORT));
  const replicaName = `127.0.0.1:${standby.port}/workflow_test`;
  const services: ServiceProcess[] = [];
  let service: ServiceProcess;

  const start = async (replicaUrls: string): Promise<ServiceProcess> => {
    const started = await startService({
      DATABASE_URL: primary.url(),
      DB_POOLER: 'none',
      DATABASE_MIGRATION_URL: '',
      DATABASE_REPLICA_URLS: replicaUrls,
      DB_REPLICA_RETRY_MS: '500',
    });
    services.push(started);
    await started.ready();
    return started;
  };

  /** Calls of the statements matching `pattern` on `cluster` since its statistics were reset. */
  const calls = async (cluster: Cluster, pattern: string): Promise<number> => {
    const [{ n }] = await cluster.query<{ n: number }>(
      `SELECT coalesce(sum(calls), 0)::int AS n FROM pg_stat_statements
        WHERE query LIKE $1 AND query NOT LIKE '%pg_stat_statements%'`,
      [pattern],
    );
    return n;
  };

  const metrics = async (): Promise<string> => {
    const outcome = await send(service.port, 'GET', '/metrics');
    if (outcome.kind !== 'response' || outcome.status !== 200) throw new Error('no metrics');
    return outcome.body as string;
  };
  const lag = async (): Promise<number | undefined> => {
    const line = new RegExp(`^db_replica_lag_seconds\\{replica="${replicaName}"\\} (\\S+)$`, 'm');
    const match = line.exec(await metrics());
    return match ? Number(match[1]) : undefined;
  };

  const get = async (path: string): Promise<unknown> => {
    const outcome = await send(service.port, 'GET', path);
    expect(outcome).toMatchObject({ kind: 'response', status: 200 });
    return (outcome as { body: unknown }).body;
  };

  const create = async (): Promise<string> => {
    const created = await send(service.port, 'POST', '/records', { body: aRecordBody() });
    expect(created).toMatchObject({ kind: 'response', status: 201 });
    return (created as { body: { id: string } }).body.id;
  };

  const replayed = (id: string) =>
    waitFor('the standby to replay the new record', async () => {
      const rows = await standby.query('SELECT 1 FROM records AS r WHERE r.id = $1', [id]);
      return rows.length === 1 ? true : undefined;
    });

  beforeAll(async () => {
    await primary.query('TRUNCATE records, record_events, idempotency_keys CASCADE');
    await waitFor('the standby to replay the schema and pg_stat_statements', async () => {
      const [{ ready }] = await standby.query<{ ready: boolean }>(
        `SELECT to_regclass('pg_stat_statements') IS NOT NULL AS ready`,
      );
      return ready ? true : undefined;
    });
    service = await start(standby.url());
  });
  afterAll(async () => {
    for (const started of services) await started.stop();
    await standby.start().catch(() => undefined);
  });

  it('reads lists, totals, summaries and events from the replica, and a new record from the primary at once', async () => {
    await primary.query('SELECT pg_stat_statements_reset()');
    await standby.query('SELECT pg_stat_statements_reset()');

    const id = await create();
    // Read back at once: from the primary, whatever the standby has replayed.
    expect(await get(`/records/${id}`)).toMatchObject({ id, status: 'pending' });

    await replayed(id);
    const list = await get('/records?limit=10');
    expect(list).toMatchObject({ total: 1, items: [expect.objectContaining({ id })] });
    expect(await get('/records?created_after=2000-01-01T00:00:00Z')).toMatchObject({ total: 1 });
    expect(await get('/reports/summary')).toMatchObject({ total_records: 1 });
    expect(await get(`/records/${id}/events`)).toEqual([
      expect.objectContaining({ record_id: id, to_status: 'pending' }),
    ]);

    const reads = {
      list: '%FROM records%ORDER BY%LIMIT%',
      counted: '%count(*)::int AS total FROM records%',
      total: '%FROM record_totals%',
      summary: '%GROUP BY status, category HAVING%',
      events: '%FROM record_events WHERE record_id%',
    };
    for (const [read, pattern] of Object.entries(reads)) {
      expect({
        read,
        onStandby: (await calls(standby, pattern)) > 0,
        onPrimary: await calls(primary, pattern),
      }).toEqual({ read, onStandby: true, onPrimary: 0 });
    }
    // The read by id and the write went to the primary only.
    const byId = '%FROM records WHERE id = $1';
    expect(await calls(primary, byId)).toBeGreaterThan(0);
    expect(await calls(standby, byId)).toBe(0);
    expect(await calls(standby, '%INSERT INTO records%')).toBe(0);
  });

  it('reports the replica lag as a gauge that moves', async () => {
    const id = await create();
    await replayed(id);
    await waitFor('the lag gauge to read 0', async () => ((await lag()) === 0 ? true : undefined));

    await standby.query('SELECT pg_wal_replay_pause()');
    try {
      await create();
      const behind = await waitFor('the lag gauge to rise above 0', async () => {
        const seconds = await lag();
        return seconds !== undefined && seconds > 0 ? seconds : undefined;
      });
      expect(behind).toBeGreaterThan(0);
    } finally {
      await standby.query('SELECT pg_wal_replay_resume()');
    }
    await waitFor('the lag gauge to return to 0', async () =>
      (await lag()) === 0 ? true : undefined,
    );
    expect(await metrics()).toMatch(
      new RegExp(`^db_replica_up\\{replica="${replicaName}"\\} 1$`, 'm'),
    );
  });

  it('answers every read with 200 from the primary while the replica is stopped, logs it once, counts it, and goes back to it', async () => {
    const id = await create();
    await replayed(id);
    await standby.stop();

    for (let round = 0; round < 3; round++) {
      expect(await get('/records')).toMatchObject({
        items: expect.arrayContaining([expect.objectContaining({ id })]),
      });
      expect(await get(`/records?status=pending&created_after=2000-01-01T00:00:00Z`)).toMatchObject(
        {
          items: expect.arrayContaining([expect.objectContaining({ id })]),
        },
      );
      await get('/reports/summary');
      expect(await get(`/records/${id}/events`)).toEqual([
        expect.objectContaining({ record_id: id }),
      ]);
    }
    expect((await send(service.port, 'GET', '/health')) as { status: number }).toMatchObject({
      status: 200,
    });

    const text = await metrics();
    expect(text).toMatch(new RegExp(`^db_replica_up\\{replica="${replicaName}"\\} 0$`, 'm'));
    expect(text).not.toMatch(/^db_replica_lag_seconds\{/m);
    const fallbacks = Number(/^db_replica_fallback_reads_total (\d+)$/m.exec(text)?.[1]);
    expect(fallbacks).toBeGreaterThanOrEqual(12);
    const downLines = service
      .output()
      .split('\n')
      .filter((line) => line.includes(`read replica ${replicaName} unavailable`));
    expect(downLines).toHaveLength(1);

    await standby.start();
    await waitFor('reads to go to the replica again', async () => {
      await get('/records');
      return /^db_replica_up\{replica="[^"]+"\} 1$/m.test(await metrics()) ? true : undefined;
    });
    expect(service.output()).toContain(`read replica ${replicaName} is back`);
  });

  it('starts, and answers reads, with its replica down from the start', async () => {
    const nowhere = await freePortInRange(55_590, 55_599);
    service = await start(`postgres://postgres@127.0.0.1:${nowhere}/workflow_test`);
    const id = await create();
    expect(await get('/records')).toMatchObject({
      items: expect.arrayContaining([expect.objectContaining({ id })]),
    });
    expect(await get('/reports/summary')).toMatchObject({ total_records: expect.any(Number) });
    expect(await metrics()).toMatch(/^db_replica_up\{replica="[^"]+"\} 0$/m);
  });
});
