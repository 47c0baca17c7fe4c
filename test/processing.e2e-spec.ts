import request from 'supertest';
import { useTestApp } from './app';
import { aRecordBody, ISO_UTC, MISSING_ID, problem } from './builders';

describe('Processing (e2e)', () => {
  const t = useTestApp();

  const create = async (body = aRecordBody()): Promise<{ id: string; created_at: string }> =>
    (await request(t.http).post('/records').send(body).expect(201)).body;
  const process = (id: string, requestId?: string) => {
    const call = request(t.http).post(`/records/${id}/process`);
    return requestId ? call.set('X-Request-ID', requestId) : call;
  };
  const retry = (id: string) => request(t.http).post(`/records/${id}/retry`);
  const stored = async (id: string) =>
    (
      await t.db.query(
        'SELECT status, attempts, classification, score::text, error FROM records WHERE id = $1',
        [id],
      )
    )[0];

  it('processes the contract example to high_value / "0.95"', async () => {
    const record = await create();
    const response = await process(record.id).expect(200);
    expect(response.body).toEqual({
      ...record,
      status: 'processed',
      classification: 'high_value',
      score: '0.95',
      error: null,
      attempts: 1,
      processed_at: expect.stringMatching(ISO_UTC),
      updated_at: expect.stringMatching(ISO_UTC),
    });
    expect(await stored(record.id)).toEqual({
      status: 'processed',
      attempts: 1,
      classification: 'high_value',
      score: '0.95',
      error: null,
    });
  });

  it.each([
    [
      'an order without amount',
      aRecordBody({ payload: { order_id: '1' } }),
      "payload.amount is required for category 'order'",
    ],
    [
      'an order whose amount is text',
      aRecordBody({ payload: { amount: 'lots' } }),
      'payload.amount must be a number, got string',
    ],
    [
      'a non-numeric priority',
      aRecordBody({ category: 'signup', payload: { priority: 'high' } }),
      'payload.priority must be a number, got string',
    ],
  ])('answers 200 with a failed record for %s, naming the field', async (_, body, error) => {
    const record = await create(body);
    const response = await process(record.id).expect(200);
    expect(response.body).toMatchObject({
      status: 'failed',
      error,
      classification: null,
      score: null,
      attempts: 1,
    });
    expect(response.body.processed_at).toMatch(ISO_UTC);
    expect(await stored(record.id)).toMatchObject({ status: 'failed', error });
  });

  it('processes a category with no specific rule', async () => {
    const record = await create(
      aRecordBody({ category: 'newsletter', payload: { email: 'a@example.com' } }),
    );
    const response = await process(record.id).expect(200);
    expect(response.body).toMatchObject({
      status: 'processed',
      classification: 'general',
      score: '0.30',
    });
  });

  it('refuses to process a processed record (409) and leaves it unchanged', async () => {
    const record = await create();
    const first = await process(record.id).expect(200);
    const response = await process(record.id).expect(409);
    expect(response.body).toEqual(
      problem(
        409,
        'Conflict',
        'Record already processed',
        `/records/${record.id}/process`,
        'invalid-transition',
      ),
    );
    expect((await request(t.http).get(`/records/${record.id}`).expect(200)).body).toEqual(
      first.body,
    );
  });

  it('refuses to process a failed record (409)', async () => {
    const record = await create(aRecordBody({ payload: {} }));
    await process(record.id).expect(200);
    const response = await process(record.id).expect(409);
    expect(response.body.message).toBe('Record already failed');
    expect(await stored(record.id)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('retries a failed record, which can then be processed again (attempts 2)', async () => {
    const record = await create(aRecordBody({ payload: { amount: 'n/a' } }));
    await process(record.id, 'first-run').expect(200);
    const retried = await retry(record.id).set('X-Request-ID', 'the-retry').expect(200);
    expect(retried.body).toMatchObject({
      status: 'pending',
      error: null,
      processed_at: null,
      attempts: 1,
    });
    const again = await process(record.id, 'second-run').expect(200);
    expect(again.body).toMatchObject({ status: 'failed', attempts: 2 });

    const events = await request(t.http).get(`/records/${record.id}/events`).expect(200);
    expect(events.body).toEqual([
      {
        id: expect.any(String),
        record_id: record.id,
        from_status: null,
        to_status: 'pending',
        at: record.created_at,
        request_id: expect.any(String),
        error: null,
      },
      {
        id: expect.any(String),
        record_id: record.id,
        from_status: 'pending',
        to_status: 'failed',
        at: expect.stringMatching(ISO_UTC),
        request_id: 'first-run',
        error: 'payload.amount must be a number, got string',
      },
      {
        id: expect.any(String),
        record_id: record.id,
        from_status: 'failed',
        to_status: 'pending',
        at: expect.stringMatching(ISO_UTC),
        request_id: 'the-retry',
        error: null,
      },
      {
        id: expect.any(String),
        record_id: record.id,
        from_status: 'pending',
        to_status: 'failed',
        at: expect.stringMatching(ISO_UTC),
        request_id: 'second-run',
        error: 'payload.amount must be a number, got string',
      },
    ]);
    const times = events.body.map((event: { at: string }) => event.at);
    expect([...times].sort()).toEqual(times);
  });

  it.each([
    [
      'pending',
      async () => (await create()).id,
      'Only a failed record can be retried; this one is pending',
    ],
    [
      'processed',
      async () => {
        const { id } = await create();
        await process(id).expect(200);
        return id;
      },
      'Only a failed record can be retried; this one is processed',
    ],
  ])('refuses to retry a %s record (409)', async (status, arrange, message) => {
    const id = await arrange();
    const response = await retry(id).expect(409);
    expect(response.body).toEqual(
      problem(409, 'Conflict', message, `/records/${id}/retry`, 'invalid-transition'),
    );
    expect(await stored(id)).toMatchObject({ status });
  });

  it.each([
    ['process', MISSING_ID],
    ['retry', MISSING_ID],
    ['process', 'nope'],
    ['events', MISSING_ID],
  ])('answers 404 for %s on %s', async (action, id) => {
    const call =
      action === 'events'
        ? request(t.http).get(`/records/${id}/events`)
        : request(t.http).post(`/records/${id}/${action}`);
    const response = await call.expect(404);
    expect(response.body).toEqual(
      problem(404, 'NotFound', 'Record not found', `/records/${id}/${action}`, 'record-not-found'),
    );
  });

  it('processes exactly once under 50 concurrent calls', async () => {
    const record = await create();
    const responses = await Promise.all(Array.from({ length: 50 }, () => process(record.id)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(49);
    for (const response of responses.filter((r) => r.status === 409)) {
      expect(response.body.message).toBe('Record already processed');
    }
    expect(await stored(record.id)).toMatchObject({ status: 'processed', attempts: 1 });
    const [{ exits }] = await t.db.query(
      `SELECT count(*)::int AS exits FROM record_events WHERE record_id = $1 AND from_status = 'pending'`,
      [record.id],
    );
    expect(exits).toBe(1);
  });

  it('lists events in the order they were written, their times agreeing, when process and retry race', async () => {
    // Each record fails processing, so racing calls move it pending -> failed -> pending ...
    const records = await Promise.all(
      Array.from({ length: 4 }, () => create(aRecordBody({ payload: { amount: 'none' } }))),
    );
    await Promise.all(
      records.flatMap(({ id }) =>
        Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? process(id) : retry(id))),
      ),
    );
    for (const { id } of records) {
      const events: { from_status: string | null; to_status: string; at: string }[] = (
        await request(t.http).get(`/records/${id}/events`).expect(200)
      ).body;
      expect(events.length).toBeGreaterThan(1);
      expect(events[0].from_status).toBeNull();
      for (let i = 1; i < events.length; i++) {
        expect(events[i].from_status).toBe(events[i - 1].to_status);
        expect(Date.parse(events[i].at)).toBeGreaterThanOrEqual(Date.parse(events[i - 1].at));
      }
      const [{ updated_at, n }] = await t.db.query(
        `SELECT r.updated_at, count(e.*)::int AS n FROM records r JOIN record_events e ON e.record_id = r.id
          WHERE r.id = $1 GROUP BY r.updated_at`,
        [id],
      );
      expect(n).toBe(events.length);
      expect((updated_at as Date).toISOString()).toBe(events[events.length - 1].at);
    }
  });

  it('lets the database refuse a second exit from pending for the same attempt', async () => {
    const record = await create();
    await process(record.id).expect(200);
    await expect(
      t.db.query(
        `INSERT INTO record_events (record_id, from_status, to_status, attempt) VALUES ($1, 'pending', 'processed', 1)`,
        [record.id],
      ),
    ).rejects.toThrow(/record_events_one_exit_per_attempt/);
  });
});
