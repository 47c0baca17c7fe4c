import { Client } from 'pg';
import request from 'supertest';
import { useTestApp } from './app';
import { MISSING_ID, problem, RecordSeed, seedRecord } from './builders';

/** The value of one sample in Prometheus text, e.g. sample(text, 'x_total'). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('Bulk retry: POST /records/retry (e2e)', () => {
  const t = useTestApp();

  const bulkRetry = (body: object = {}) => request(t.http).post('/records/retry').send(body);

  const failed = (seed: RecordSeed = {}) => seedRecord(t, { ...seed, status: 'failed' });

  const statuses = async () =>
    Object.fromEntries(
      (await t.db.query<{ id: string; status: string }[]>('SELECT id, status FROM records')).map(
        (row) => [row.id, row.status],
      ),
    );

  it('sends every failed record back to pending, oldest first, with its event under this request id', async () => {
    const newer = await failed({ created_at: '2026-01-03T00:00:00Z' });
    const older = await failed({ created_at: '2026-01-01T00:00:00Z' });
    const pending = await seedRecord(t, { created_at: '2026-01-02T00:00:00Z' });
    const processed = await seedRecord(t, { status: 'processed' });

    const response = await bulkRetry().expect(200);

    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.body).toEqual({ retried: 2, ids: [older.id, newer.id] });
    expect(await statuses()).toEqual({
      [newer.id]: 'pending',
      [older.id]: 'pending',
      [pending.id]: 'pending',
      [processed.id]: 'processed',
    });
    const requestId = response.headers['x-request-id'];
    const events = await t.db.query(
      `SELECT record_id, from_status, to_status, request_id, error FROM record_events
        WHERE request_id = $1 ORDER BY record_id`,
      [requestId],
    );
    expect(events).toEqual(
      [older.id, newer.id].sort().map((id) => ({
        record_id: id,
        from_status: 'failed',
        to_status: 'pending',
        request_id: requestId,
        error: null,
      })),
    );
    // As a single retry: the outcome is cleared, attempts kept.
    const record = await request(t.http).get(`/records/${older.id}`).expect(200);
    expect(record.body).toMatchObject({
      status: 'pending',
      error: null,
      classification: null,
      processed_at: null,
      attempts: 1,
    });
  });

  it('answers 200 with nothing to retry when nothing failed', async () => {
    await seedRecord(t);
    const response = await bulkRetry().expect(200);
    expect(response.body).toEqual({ retried: 0, ids: [] });
  });

  it('retries only the records matching category, source and the created range', async () => {
    const match = await failed({
      category: 'order',
      source: 'shop',
      created_at: '2026-01-05T00:00:00Z',
    });
    const atStart = await failed({
      category: 'order',
      source: 'shop',
      created_at: '2026-01-01T00:00:00Z',
    });
    const atEnd = await failed({
      category: 'order',
      source: 'shop',
      created_at: '2026-01-10T00:00:00Z',
    });
    const otherCategory = await failed({
      category: 'refund',
      source: 'shop',
      created_at: '2026-01-05T00:00:00Z',
    });
    const otherSource = await failed({
      category: 'order',
      source: 'api',
      created_at: '2026-01-05T00:00:00Z',
    });

    const response = await bulkRetry({
      category: ' order ',
      source: 'shop',
      created_after: '2026-01-01T00:00:00Z',
      created_before: '2026-01-10T00:00:00Z',
    }).expect(200);

    // created_after is inclusive, created_before exclusive, as in the list.
    expect(response.body).toEqual({ retried: 2, ids: [atStart.id, match.id] });
    expect(await statuses()).toEqual({
      [match.id]: 'pending',
      [atStart.id]: 'pending',
      [atEnd.id]: 'failed',
      [otherCategory.id]: 'failed',
      [otherSource.id]: 'failed',
    });
  });

  it('retries at most `limit` records, the oldest, and 100 by default', async () => {
    const seeded = [];
    for (let day = 1; day <= 5; day++) {
      seeded.push(await failed({ created_at: `2026-01-0${day}T00:00:00Z` }));
    }
    await t.db.query(
      `INSERT INTO records (source, category, payload, status, error, attempts, processed_at, created_at)
       SELECT 'api', 'order', '{}', 'failed', 'seeded failure', 1, now(),
              '2026-02-01'::timestamptz + n * interval '1 second'
         FROM generate_series(1, 100) AS n`,
    );

    const first = await bulkRetry({ limit: 2 }).expect(200);
    expect(first.body).toEqual({ retried: 2, ids: [seeded[0].id, seeded[1].id] });
    const second = await bulkRetry({ limit: 2 }).expect(200);
    expect(second.body).toEqual({ retried: 2, ids: [seeded[2].id, seeded[3].id] });
    const byDefault = await bulkRetry().expect(200);
    expect(byDefault.body.retried).toBe(100);
    expect(byDefault.body.ids[0]).toBe(seeded[4].id);
    const [{ left }] = await t.db.query(
      `SELECT count(*)::int AS left FROM records WHERE status = 'failed'`,
    );
    expect(left).toBe(1);
  });

  it('keeps the summary exact (the rollups follow every record it retries)', async () => {
    await failed({ category: 'order' });
    await failed({ category: 'refund' });
    await seedRecord(t, { status: 'processed' });
    await bulkRetry({ category: 'order' }).expect(200);

    const summary = await request(t.http).get('/reports/summary').expect(200);
    expect(summary.body).toEqual({
      total_records: 3,
      by_status: { pending: 1, processed: 1, failed: 1 },
      by_category: { order: 2, refund: 1 },
    });
  });

  it('counts the records it retried in workflow_records_retried_total', async () => {
    await failed();
    await failed();
    const before = (await request(t.http).get('/metrics').expect(200)).text;
    await bulkRetry().expect(200);
    const after = (await request(t.http).get('/metrics').expect(200)).text;
    const series = 'workflow_records_retried_total';
    expect(sample(after, series) - sample(before, series)).toBe(2);
    const route = 'http_requests_total{method="POST",route="/records/retry",status="200"}';
    expect(sample(after, route) - sample(before, route)).toBe(1);
  });

  it.each([
    ['limit 0', { limit: 0 }, 'limit must not be less than 1'],
    ['limit 1001', { limit: 1001 }, 'limit must not be greater than 1000'],
    ['a fractional limit', { limit: 2.5 }, 'limit must be an integer number'],
    ['a limit as a string', { limit: '10' }, 'limit must be an integer number'],
    [
      'an empty category',
      { category: '  ' },
      'category must be longer than or equal to 1 characters',
    ],
    [
      'a 65-character source',
      { source: 's'.repeat(65) },
      'source must be shorter than or equal to 64 characters',
    ],
    [
      'a malformed date',
      { created_after: 'yesterday' },
      'created_after must be an ISO-8601 date (YYYY-MM-DD) or date-time',
    ],
    [
      'an impossible date',
      { created_before: '2026-02-30' },
      'created_before must be an ISO-8601 date (YYYY-MM-DD) or date-time',
    ],
    ['a status filter', { status: 'pending' }, 'property status should not exist'],
  ])('refuses %s with the list filters’ 400, and retries nothing', async (_, body, message) => {
    const record = await failed();
    const response = await bulkRetry(body).expect(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toEqual({
      ...problem(400, 'ValidationError', message, '/records/retry', 'validation-error'),
      details: [{ field: expect.any(String), message }],
    });
    expect(await statuses()).toEqual({ [record.id]: 'failed' });
  });

  it('gives the same message for a bad filter as the list does', async () => {
    const list = await request(t.http).get('/records?created_after=yesterday').expect(400);
    const bulk = await bulkRetry({ created_after: 'yesterday' }).expect(400);
    expect(bulk.body.details).toEqual(list.body.details);
  });

  it('refuses a body that is not a JSON object', async () => {
    const response = await request(t.http)
      .post('/records/retry')
      .set('Content-Type', 'application/json')
      .send('[]')
      .expect(400);
    expect(response.body.details).toEqual([
      { field: 'body', message: 'request body must be a JSON object' },
    ]);
  });

  it('replays an Idempotency-Key: the same answer again, nothing retried twice', async () => {
    const record = await failed();
    const first = await bulkRetry()
      .set('Idempotency-Key', 'bulk-1')
      .send({ limit: 10 })
      .expect(200);
    expect(first.body).toEqual({ retried: 1, ids: [record.id] });
    // Failed again since: a replay must not retry it.
    await t.db.query(
      `UPDATE records SET status = 'failed', error = 'again', processed_at = now() WHERE id = $1`,
      [record.id],
    );

    const again = await request(t.http)
      .post('/records/retry')
      .set('Idempotency-Key', 'bulk-1')
      .send({ limit: 10 })
      .expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    expect(await statuses()).toEqual({ [record.id]: 'failed' });

    const other = await request(t.http)
      .post('/records/retry')
      .set('Idempotency-Key', 'bulk-1')
      .send({ limit: 11 })
      .expect(422);
    expect(other.body.error).toBe('UnprocessableEntity');
  });

  it('passes over a record another transaction holds, without waiting for it', async () => {
    const held = await failed({ created_at: '2026-01-01T00:00:00Z' });
    const free = await failed({ created_at: '2026-01-02T00:00:00Z' });
    const other = new Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT id FROM records WHERE id = $1 FOR UPDATE', [held.id]);

      // Would wait for the lock, and the test time out, without SKIP LOCKED.
      const response = await bulkRetry().expect(200);
      expect(response.body).toEqual({ retried: 1, ids: [free.id] });
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
    const response = await bulkRetry().expect(200);
    expect(response.body).toEqual({ retried: 1, ids: [held.id] });
  });

  it('retries each record exactly once when bulk and single retries race', async () => {
    const records = [];
    for (let i = 0; i < 30; i++) records.push(await failed());
    const ids = records.map((record) => record.id);

    const [bulkA, bulkB, ...singles] = await Promise.all([
      bulkRetry({ limit: 1000 }),
      bulkRetry({ limit: 1000 }),
      ...ids.map((id) => request(t.http).post(`/records/${id}/retry`)),
    ]);

    expect(bulkA.status).toBe(200);
    expect(bulkB.status).toBe(200);
    const byBulk = [...bulkA.body.ids, ...bulkB.body.ids];
    const bySingle = ids.filter((_, i) => singles[i].status === 200);
    // Every single retry either did it (200) or found it already pending (409).
    for (const single of singles) expect([200, 409]).toContain(single.status);
    expect(new Set(byBulk).size).toBe(byBulk.length);
    expect([...byBulk, ...bySingle].sort()).toEqual([...ids].sort());

    const exits = await t.db.query<{ record_id: string; retries: number }[]>(
      `SELECT r.id AS record_id, count(e.id)::int AS retries
         FROM records r LEFT JOIN record_events e
           ON e.record_id = r.id AND e.from_status = 'failed' AND e.to_status = 'pending'
        WHERE r.status = 'pending' GROUP BY r.id`,
    );
    expect(exits).toHaveLength(30);
    for (const row of exits) expect(row.retries).toBe(1);
  });

  it('is not confused with a record’s own retry route', async () => {
    const response = await request(t.http).post(`/records/${MISSING_ID}/retry`).expect(404);
    expect(response.body.error).toBe('NotFound');
  });
});

describe('Bulk retry with API keys (e2e)', () => {
  const KEY = 'console-key-0123456789';
  const t = useTestApp({ API_KEYS: KEY });

  it('needs the key: 401 without or with a wrong one, nothing retried', async () => {
    const record = await seedRecord(t, { status: 'failed' });
    const missing = await request(t.http).post('/records/retry').send({}).expect(401);
    expect(missing.body).toEqual(
      problem(
        401,
        'Unauthorized',
        'An API key is required: send X-API-Key or Authorization: Bearer',
        '/records/retry',
        'unauthorized',
      ),
    );
    await request(t.http).post('/records/retry').set('X-API-Key', 'nope').send({}).expect(401);
    const [row] = await t.db.query('SELECT status FROM records WHERE id = $1', [record.id]);
    expect(row.status).toBe('failed');

    const accepted = await request(t.http)
      .post('/records/retry')
      .set('X-API-Key', KEY)
      .send({})
      .expect(200);
    expect(accepted.body).toEqual({ retried: 1, ids: [record.id] });
  });
});
