import { RecordsService } from '../src/records/records.service';
import { useTestApp } from './app';
import { seedRecord } from './builders';

/** The worker's batch, set-based and fair between sources (the domain method the worker calls). */
describe('Worker batches (e2e)', () => {
  const t = useTestApp();

  const batch = (limit: number, maxPerSource = 0, requestId = 'worker_batch') =>
    t.app.get(RecordsService).processPendingBatch(limit, { requestId }, maxPerSource);

  /** `n` pending records of `source`, created at `from` + i seconds, in one INSERT. */
  const seedPending = (source: string, n: number, from: string) =>
    // Without the service's statement timeout: 50,000 rows take a while on a busy machine.
    t.db.transaction(async (manager) => {
      await manager.query('SET LOCAL statement_timeout = 0');
      await manager.query(
        `WITH inserted AS (
         INSERT INTO records (source, category, payload, created_at, updated_at)
         SELECT $1, 'order', jsonb_build_object('amount', g), at, at
           FROM generate_series(1, $2::int) AS g, LATERAL (SELECT $3::timestamptz + g * interval '1 second' AS at) AS t
         RETURNING id, created_at
       )
       INSERT INTO record_events (record_id, from_status, to_status, attempt, at)
       SELECT id, NULL, 'pending', 0, created_at FROM inserted`,
        [source, n, from],
      );
    });

  const processedBy = async (source: string) =>
    Number(
      (
        await t.db.query(`SELECT count(*) FROM records WHERE source = $1 AND status <> 'pending'`, [
          source,
        ])
      )[0].count,
    );

  it('processes every record of a batch with its outcome, one event each, and exact rollups', async () => {
    const ok = await seedRecord(t, { payload: { order_id: '1', amount: 99.99 } });
    const bad = await seedRecord(t, { payload: { order_id: '2' } });
    const done = await seedRecord(t, { status: 'processed' });
    expect(await batch(50, 0, 'worker_one')).toBe(2);

    const rows = await t.db.query(
      `SELECT id, status, classification, score, error IS NOT NULL AS has_error, attempts,
              processed_at = updated_at AS stamped
         FROM records ORDER BY created_at, id`,
    );
    expect(rows).toEqual([
      {
        id: ok.id,
        status: 'processed',
        classification: 'high_value',
        score: '0.95',
        has_error: false,
        attempts: 1,
        stamped: true,
      },
      {
        id: bad.id,
        status: 'failed',
        classification: null,
        score: null,
        has_error: true,
        attempts: 1,
        stamped: true,
      },
      {
        id: done.id,
        status: 'processed',
        classification: 'seeded',
        score: '0.50',
        has_error: false,
        attempts: 1,
        stamped: true,
      },
    ]);
    const events = await t.db.query(
      `SELECT record_id, from_status, to_status, attempt, request_id, error IS NOT NULL AS has_error
         FROM record_events WHERE request_id = 'worker_one' ORDER BY record_id`,
    );
    expect(events).toEqual(
      [
        {
          record_id: ok.id,
          from_status: 'pending',
          to_status: 'processed',
          attempt: 1,
          request_id: 'worker_one',
          has_error: false,
        },
        {
          record_id: bad.id,
          from_status: 'pending',
          to_status: 'failed',
          attempt: 1,
          request_id: 'worker_one',
          has_error: true,
        },
      ].sort((a, b) => a.record_id.localeCompare(b.record_id)),
    );
    const live = await t.db.query(
      `SELECT category, source, status, count(*)::int AS n FROM records GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    const totals = await t.db.query(
      `SELECT category, source, status, sum(n)::int AS n FROM record_totals GROUP BY 1, 2, 3
       HAVING sum(n) <> 0 ORDER BY 1, 2, 3`,
    );
    expect(totals).toEqual(live);
    // Nothing pending is left: the next batch is empty.
    expect(await batch(50)).toBe(0);
  });

  it('serves a quiet source within the first batches while another floods the queue (50,000 to 100)', async () => {
    await seedPending('flood', 50_000, '2026-01-01T00:00:00Z');
    // The quiet source's records are all newer than every flooding one.
    await seedPending('quiet', 100, '2026-02-01T00:00:00Z');

    for (let i = 0; i < 4; i++) expect(await batch(50, 0, `worker_${i}`)).toBe(50);
    expect(await processedBy('quiet')).toBe(100);
    expect(await processedBy('flood')).toBe(100);
    // Oldest first within each source: the flood's first 100.
    const [{ newest }] = await t.db.query(
      `SELECT max(created_at) = '2026-01-01T00:01:40Z'::timestamptz AS newest
         FROM records WHERE source = 'flood' AND status <> 'pending'`,
    );
    expect(newest).toBe(true);
    // Alone, the flood fills whole batches.
    expect(await batch(50)).toBe(50);
    expect(await processedBy('flood')).toBe(150);
  });

  it('caps one source at WORKER_MAX_PER_SOURCE of a batch while others wait', async () => {
    await seedPending('flood', 200, '2026-01-01T00:00:00Z');
    await seedPending('quiet', 30, '2026-02-01T00:00:00Z');
    await seedPending('third', 3, '2026-03-01T00:00:00Z');
    expect(await batch(50, 10)).toBe(23);
    expect([
      await processedBy('flood'),
      await processedBy('quiet'),
      await processedBy('third'),
    ]).toEqual([10, 10, 3]);
  });
});
