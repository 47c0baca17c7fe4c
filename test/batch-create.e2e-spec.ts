import request from 'supertest';
import { BATCH_BODY_LIMIT_BYTES } from '../src/records/dto/create-records-batch.dto';
import { useTestApp } from './app';
import { aRecordBody, ISO_UTC, problem, UUID_PATTERN } from './builders';

describe('POST /records/batch (e2e)', () => {
  const t = useTestApp();

  const batch = (body: unknown) =>
    request(t.http)
      .post('/records/batch')
      .send(body as object);
  const records = (n: number, category = 'order') =>
    Array.from({ length: n }, (_, i) =>
      aRecordBody({ source: `src-${i % 3}`, category, payload: { order_id: `o-${i}`, amount: i } }),
    );
  const recordCount = async () =>
    Number((await t.db.query('SELECT count(*) FROM records'))[0].count);

  /** The rollups against a live count: every key, every status. */
  const expectRollupsExact = async () => {
    const live = await t.db.query(
      `SELECT category, source, status, count(*)::int AS n FROM records
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    const totals = await t.db.query(
      `SELECT category, source, status, sum(n)::int AS n FROM record_totals
        GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3`,
    );
    const days = await t.db.query(
      `SELECT category, source, status, sum(n)::int AS n FROM record_counts
        GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3`,
    );
    expect(totals).toEqual(live);
    expect(days).toEqual(live);
  };

  it('creates every record, in request order, each with its creation event under the request id', async () => {
    const sent = records(5);
    const response = await batch({ records: sent }).set('X-Request-ID', 'batch-one').expect(201);

    expect(response.body).toEqual({
      items: sent.map((record) => ({
        id: expect.stringMatching(UUID_PATTERN),
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
        processed_at: null,
        status: 'pending',
        source: record.source,
        category: record.category,
        payload: record.payload,
        classification: null,
        score: null,
        error: null,
        attempts: 0,
      })),
    });
    const ids = (response.body.items as { id: string }[]).map((item) => item.id);
    expect(new Set(ids).size).toBe(5);
    const rows = await t.db.query(
      'SELECT id, source, payload FROM records WHERE id = ANY($1) ORDER BY id',
      [ids],
    );
    // Ids are time-ordered and made in request order: the stored order is the request's.
    expect(rows).toEqual(
      sent.map((record, i) => ({ id: ids[i], source: record.source, payload: record.payload })),
    );
    const events = await t.db.query(
      `SELECT record_id, from_status, to_status, request_id FROM record_events ORDER BY record_id`,
    );
    expect(events).toEqual(
      ids.map((id) => ({
        record_id: id,
        from_status: null,
        to_status: 'pending',
        request_id: 'batch-one',
      })),
    );
    await expectRollupsExact();
  });

  it('takes 1000 records and keeps the rollups exact', async () => {
    await batch({ records: records(1000) }).expect(201);
    await batch({ records: records(10, 'refund') }).expect(201);
    expect(await recordCount()).toBe(1010);
    await expectRollupsExact();
    const summary = await request(t.http).get('/reports/summary').expect(200);
    expect(summary.body.total_records).toBe(1010);
    expect(summary.body.by_category).toEqual({ order: 1000, refund: 10 });
  });

  it('refuses an empty batch, more than 1000 records, and a body without records', async () => {
    const empty = await batch({ records: [] }).expect(400);
    expect(empty.body.details).toEqual([{ field: 'records', message: expect.any(String) }]);
    const tooMany = await batch({ records: records(1001) }).expect(400);
    expect(tooMany.body.details).toEqual([
      { field: 'records', message: 'records must contain no more than 1000 elements' },
    ]);
    const none = await batch({}).expect(400);
    expect(none.body.error).toBe('ValidationError');
    expect(await recordCount()).toBe(0);
  });

  it('creates nothing when one item is invalid, and names the item', async () => {
    const sent = records(5);
    sent[3] = aRecordBody({ payload: [1, 2] });
    sent[1] = aRecordBody({ source: '   ' });
    const response = await batch({ records: sent }).expect(400);
    expect(response.body).toEqual({
      ...problem(400, 'ValidationError', expect.any(String), '/records/batch', 'validation-error'),
      details: [
        { field: 'records[1].source', message: expect.any(String) },
        { field: 'records[3].payload', message: 'payload must be a JSON object' },
      ],
    });
    expect(await recordCount()).toBe(0);
    expect(Number((await t.db.query('SELECT count(*) FROM record_events'))[0].count)).toBe(0);
  });

  it('applies every check of a single create to each item', async () => {
    const deep = (levels: number): Record<string, unknown> =>
      levels === 1 ? { leaf: true } : { a: deep(levels - 1) };
    // 32 levels is the limit of a payload, in a batch as in a single create.
    await batch({ records: [aRecordBody({ payload: deep(32) })] }).expect(201);
    const cases: [unknown, string][] = [
      [aRecordBody({ payload: deep(33) }), 'records[0].payload'],
      [aRecordBody({ payload: { s: 'a\u0000b' } }), 'records[0].payload'],
      [aRecordBody({ payload: { big: 'x'.repeat(70 * 1024) } }), 'records[0].payload'],
      [aRecordBody({ category: 'c'.repeat(65) }), 'records[0].category'],
      [{ ...aRecordBody(), extra: 1 }, 'records[0].extra'],
    ];
    for (const [item, field] of cases) {
      const response = await batch({ records: [item] }).expect(400);
      expect(response.body.details).toEqual([{ field, message: expect.any(String) }]);
    }
    // A number a double cannot hold, named where it is.
    const exact = await request(t.http)
      .post('/records/batch')
      .set('Content-Type', 'application/json')
      .send('{"records":[{"source":"a","category":"b","payload":{"n":9007199254740993}}]}')
      .expect(400);
    expect(exact.body.details).toEqual([
      { field: 'records[0].payload.n', message: expect.any(String) },
    ]);
    expect(await recordCount()).toBe(1);
  });

  it('keeps payload keys a class transformer would walk (constructor, __proto__)', async () => {
    const response = await request(t.http)
      .post('/records/batch')
      .set('Content-Type', 'application/json')
      .send(
        '{"records":[{"source":"a","category":"b","payload":{"constructor":{"x":1},"__proto__":{"y":2}}}]}',
      )
      .expect(201);
    const [row] = await t.db.query('SELECT payload FROM records WHERE id = $1', [
      response.body.items[0].id,
    ]);
    expect(row.payload).toEqual(JSON.parse('{"constructor":{"x":1},"__proto__":{"y":2}}'));
  });

  it('replays one Idempotency-Key for the whole batch with the same bytes, creating nothing more', async () => {
    const body = { records: records(3) };
    const first = await batch(body).set('Idempotency-Key', 'batch-key').expect(201);
    const again = await batch(body).set('Idempotency-Key', 'batch-key').expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    expect(await recordCount()).toBe(3);
    const other = await batch({ records: records(2) })
      .set('Idempotency-Key', 'batch-key')
      .expect(422);
    expect(other.body.error).toBe('UnprocessableEntity');
    expect(await recordCount()).toBe(3);
  });

  it('reads bodies past a single create’s 1 MiB up to its own limit, and answers 413 past it', async () => {
    // About 2 MiB: too large for POST /records, fine for a batch.
    const large = Array.from({ length: 40 }, (_, i) =>
      aRecordBody({ payload: { i, text: 'x'.repeat(50 * 1024) } }),
    );
    await batch({ records: large }).expect(201);
    await request(t.http)
      .post('/records')
      .send(aRecordBody({ payload: { text: 'x'.repeat(1100 * 1024) } }))
      .expect(413);

    const past = '{"records":[' + '"x",'.repeat(BATCH_BODY_LIMIT_BYTES / 4) + '"x"]}';
    const response = await request(t.http)
      .post('/records/batch')
      .set('Content-Type', 'application/json')
      .send(past)
      .expect(413);
    expect(response.body.error).toBe('PayloadTooLarge');
    expect(await recordCount()).toBe(40);
  });
});
