import request from 'supertest';
import { useTestApp } from './app';
import {
  aRecordBody,
  GENERATED_REQUEST_ID,
  ISO_UTC,
  MISSING_ID,
  problem,
  RecordSeed,
  seedRecord,
  UUID_PATTERN,
} from './builders';

describe('Records API (e2e)', () => {
  const t = useTestApp();

  const create = (body: unknown = aRecordBody()) =>
    request(t.http)
      .post('/records')
      .send(body as object);

  describe('POST /records', () => {
    it('creates a pending record with its creation event, and says where it is', async () => {
      const response = await create().expect(201);

      expect(response.body).toEqual({
        id: expect.stringMatching(UUID_PATTERN),
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: response.body.created_at,
        processed_at: null,
        status: 'pending',
        source: 'api',
        category: 'order',
        payload: { order_id: '12345', amount: 99.99 },
        classification: null,
        score: null,
        error: null,
        attempts: 0,
      });
      expect(response.headers.location).toBe(`/records/${response.body.id}`);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      const requestId = response.headers['x-request-id'];
      expect(requestId).toMatch(GENERATED_REQUEST_ID);

      const [row] = await t.db.query(
        'SELECT status, source, category, payload FROM records WHERE id = $1',
        [response.body.id],
      );
      expect(row).toEqual({
        status: 'pending',
        source: 'api',
        category: 'order',
        payload: { order_id: '12345', amount: 99.99 },
      });
      const events = await t.db.query(
        'SELECT from_status, to_status, request_id FROM record_events WHERE record_id = $1',
        [response.body.id],
      );
      expect(events).toEqual([{ from_status: null, to_status: 'pending', request_id: requestId }]);
    });

    it('trims source and category', async () => {
      const response = await create(
        aRecordBody({ source: '  web  ', category: '\trefund ' }),
      ).expect(201);
      expect(response.body).toMatchObject({ source: 'web', category: 'refund' });
    });

    it('keeps payload keys that look like prototype properties', async () => {
      const payload = JSON.parse(
        '{"__proto__": {"polluted": true}, "constructor": "Bob", "prototype": [1]}',
      );
      const response = await request(t.http)
        .post('/records')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(aRecordBody({ payload })))
        .expect(201);
      const stored = await request(t.http).get(`/records/${response.body.id}`).expect(200);
      expect(Object.keys(stored.body.payload).sort()).toEqual([
        '__proto__',
        'constructor',
        'prototype',
      ]);
      expect(stored.body.payload).toEqual(payload);
      expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    });

    it('accepts a payload exactly 32 levels deep', async () => {
      let payload: Record<string, unknown> = {};
      for (let level = 1; level < 32; level++) payload = { next: payload };
      await create(aRecordBody({ payload })).expect(201);
    });

    const invalid: [string, unknown, { field: string; message: string }[]][] = [
      [
        'missing fields',
        {},
        [
          { field: 'source', message: 'source must be a string' },
          { field: 'category', message: 'category must be a string' },
          { field: 'payload', message: 'payload should not be null or undefined' },
        ],
      ],
      [
        'a blank source',
        aRecordBody({ source: '   ' }),
        [{ field: 'source', message: 'source must be longer than or equal to 1 characters' }],
      ],
      [
        'a 65-character category',
        aRecordBody({ category: 'c'.repeat(65) }),
        [{ field: 'category', message: 'category must be shorter than or equal to 64 characters' }],
      ],
      [
        'a numeric source',
        aRecordBody({ source: 7 }),
        [{ field: 'source', message: 'source must be a string' }],
      ],
      [
        'an array payload',
        aRecordBody({ payload: [1, 2] }),
        [{ field: 'payload', message: 'payload must be a JSON object' }],
      ],
      [
        'a null payload',
        aRecordBody({ payload: null }),
        [{ field: 'payload', message: 'payload must not be null' }],
      ],
      [
        'a string payload',
        aRecordBody({ payload: 'x' }),
        [{ field: 'payload', message: 'payload must be a JSON object' }],
      ],
      [
        'a NUL in a payload string',
        aRecordBody({ payload: { note: 'a\u0000b' } }),
        [{ field: 'payload', message: 'payload at note contains a NUL character' }],
      ],
      [
        'a NUL in a payload key',
        aRecordBody({ payload: { 'a\u0000': 1 } }),
        [{ field: 'payload', message: 'payload has a key that contains a NUL character' }],
      ],
      [
        'a NUL in the source',
        aRecordBody({ source: 'a\u0000' }),
        [{ field: 'source', message: 'source contains a NUL character' }],
      ],
      [
        'an unpaired surrogate',
        aRecordBody({ payload: { text: 'x\ud800y' } }),
        [{ field: 'payload', message: 'payload at text contains an unpaired UTF-16 surrogate' }],
      ],
      [
        'an unknown field',
        { ...aRecordBody(), status: 'processed' },
        [{ field: 'status', message: 'property status should not exist' }],
      ],
      [
        'an array body',
        [aRecordBody()],
        [{ field: 'body', message: 'request body must be a JSON object' }],
      ],
    ];

    it.each(invalid)(
      'refuses %s with 400 ValidationError and per-field details',
      async (_, body, details) => {
        const response = await request(t.http)
          .post('/records')
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body))
          .expect(400);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body).toEqual({
          ...problem(
            400,
            'ValidationError',
            details.map((d) => d.message).join('; '),
            '/records',
            'validation-error',
          ),
          details,
        });
        expect(response.body.request_id).toBe(response.headers['x-request-id']);
        expect(await t.db.query('SELECT id FROM records')).toEqual([]);
      },
    );

    it('refuses a payload deeper than 32 levels', async () => {
      let payload: Record<string, unknown> = {};
      for (let level = 1; level < 33; level++) payload = { next: payload };
      const response = await create(aRecordBody({ payload })).expect(400);
      expect(response.body.details).toEqual([
        { field: 'payload', message: 'payload must be at most 32 levels deep' },
      ]);
    });

    it('refuses a payload over 64 KiB once serialized', async () => {
      const response = await create(
        aRecordBody({ payload: { blob: 'x'.repeat(64 * 1024) } }),
      ).expect(400);
      expect(response.body.details).toEqual([
        {
          field: 'payload',
          message: 'payload must be at most 65536 bytes once serialized (got 65547)',
        },
      ]);
    });

    it('answers malformed JSON with 400 BadRequest and a request id', async () => {
      const response = await request(t.http)
        .post('/records')
        .set('Content-Type', 'application/json')
        .set('X-Request-ID', 'client-id-1')
        .send('{"source": ')
        .expect(400);
      expect(response.body).toEqual(
        problem(
          400,
          'BadRequest',
          expect.stringContaining('JSON'),
          '/records',
          'malformed-request',
        ),
      );
      expect(response.body.request_id).toBe('client-id-1');
      expect(response.headers['x-request-id']).toBe('client-id-1');
    });

    it('answers a body over 1 MiB with 413 and a request id', async () => {
      const response = await request(t.http)
        .post('/records')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(aRecordBody({ payload: { blob: 'x'.repeat(1024 * 1024) } })))
        .expect(413);
      expect(response.body).toEqual(
        problem(
          413,
          'PayloadTooLarge',
          'Request body exceeds the 1 MiB limit',
          '/records',
          'payload-too-large',
        ),
      );
      expect(response.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
    });

    it('answers a body that is not JSON with 415', async () => {
      const response = await request(t.http)
        .post('/records')
        .set('Content-Type', 'text/plain')
        .send('source=api')
        .expect(415);
      expect(response.body).toEqual(
        problem(
          415,
          'UnsupportedMediaType',
          'Content-Type must be application/json',
          '/records',
          'unsupported-media-type',
        ),
      );
    });
  });

  describe('GET /records/:id', () => {
    it('returns the record as created', async () => {
      const created = await create().expect(201);
      const response = await request(t.http).get(`/records/${created.body.id}`).expect(200);
      expect(response.body).toEqual(created.body);
    });

    it.each([
      ['an unknown id', MISSING_ID],
      ['an id that is not a UUID', 'not-a-uuid'],
      ['an id with SQL in it', "1' OR '1'='1"],
    ])('answers 404 NotFound for %s', async (_, id) => {
      const response = await request(t.http)
        .get(`/records/${encodeURIComponent(id)}`)
        .expect(404);
      expect(response.body).toEqual(
        problem(
          404,
          'NotFound',
          'Record not found',
          `/records/${encodeURIComponent(id)}`,
          'record-not-found',
        ),
      );
    });
  });

  describe('request ids', () => {
    it('uses a valid client id everywhere', async () => {
      const id = 'Trace-1.2:3_abc';
      const response = await request(t.http)
        .get(`/records/${MISSING_ID}`)
        .set('X-Request-ID', id)
        .expect(404);
      expect(response.headers['x-request-id']).toBe(id);
      expect(response.body.request_id).toBe(id);
    });

    it.each([
      ['too long', 'a'.repeat(129)],
      ['with a space', 'a b'],
      ['with a slash', 'a/b'],
      ['empty', ''],
    ])('replaces a client id that is %s', async (_, id) => {
      const response = await request(t.http)
        .get('/health/live')
        .set('X-Request-ID', id)
        .expect(200);
      expect(response.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
    });

    it('accepts a 128-character id', async () => {
      const id = 'a'.repeat(128);
      const response = await request(t.http)
        .get('/health/live')
        .set('X-Request-ID', id)
        .expect(200);
      expect(response.headers['x-request-id']).toBe(id);
    });
  });

  it('answers an unknown route with 404 in the contract shape', async () => {
    const response = await request(t.http).get('/nowhere').expect(404);
    expect(response.body).toEqual(
      problem(404, 'NotFound', 'Cannot GET /nowhere', '/nowhere', 'route-not-found'),
    );
  });

  describe('GET /records', () => {
    async function seed(rows: RecordSeed[]) {
      for (const row of rows) await seedRecord(t, row);
    }

    it('lists newest first with defaults', async () => {
      await seed([
        { created_at: '2026-01-01T00:00:00Z' },
        { created_at: '2026-01-03T00:00:00Z' },
        { created_at: '2026-01-02T00:00:00Z' },
      ]);
      const response = await request(t.http).get('/records').expect(200);
      expect(response.body).toEqual({
        items: expect.any(Array),
        total: 3,
        limit: 50,
        offset: 0,
        next_cursor: null,
      });
      expect(response.body.items.map((item: { created_at: string }) => item.created_at)).toEqual([
        '2026-01-03T00:00:00.000Z',
        '2026-01-02T00:00:00.000Z',
        '2026-01-01T00:00:00.000Z',
      ]);
    });

    it('filters by status, category, source and a created_at window', async () => {
      await seed([
        {
          status: 'processed',
          category: 'order',
          source: 'web',
          created_at: '2026-01-05T00:00:00Z',
        },
        {
          status: 'processed',
          category: 'order',
          source: 'api',
          created_at: '2026-01-05T00:00:00Z',
        },
        { status: 'failed', category: 'order', source: 'web', created_at: '2026-01-05T00:00:00Z' },
        {
          status: 'processed',
          category: 'refund',
          source: 'web',
          created_at: '2026-01-05T00:00:00Z',
        },
        {
          status: 'processed',
          category: 'order',
          source: 'web',
          created_at: '2026-01-09T00:00:00Z',
        },
      ]);
      const response = await request(t.http)
        .get('/records')
        .query({
          status: 'processed',
          category: 'order',
          source: 'web',
          created_after: '2026-01-05T00:00:00Z',
          created_before: '2026-01-06',
        })
        .expect(200);
      expect(response.body.total).toBe(1);
      expect(response.body.items).toEqual([
        expect.objectContaining({
          status: 'processed',
          category: 'order',
          source: 'web',
          created_at: '2026-01-05T00:00:00.000Z',
        }),
      ]);
    });

    it('sorts by another field, ascending, with ties broken by id', async () => {
      await seed([
        { category: 'b', created_at: '2026-01-01T00:00:00Z' },
        { category: 'a', created_at: '2026-01-01T00:00:00Z' },
        { category: 'b', created_at: '2026-01-01T00:00:00Z' },
      ]);
      const response = await request(t.http)
        .get('/records?sort_by=category&sort_order=asc')
        .expect(200);
      const items = response.body.items as { category: string; id: string }[];
      expect(items.map((item) => item.category)).toEqual(['a', 'b', 'b']);
      expect(items[1].id < items[2].id).toBe(true);
    });

    it('pages stably through records that share a timestamp', async () => {
      await seed(Array.from({ length: 25 }, () => ({ created_at: '2026-01-01T00:00:00Z' })));
      const seen: string[] = [];
      for (let offset = 0; offset < 25; offset += 10) {
        const page = await request(t.http).get(`/records?limit=10&offset=${offset}`).expect(200);
        expect(page.body).toMatchObject({ total: 25, limit: 10, offset });
        seen.push(...page.body.items.map((item: { id: string }) => item.id));
      }
      const all = await t.db.query('SELECT id FROM records ORDER BY created_at DESC, id DESC');
      expect(seen).toEqual(all.map((row: { id: string }) => row.id));
    });

    it('caps limit at 200, however many digits it has', async () => {
      for (const limit of ['5000', '12345678901234567', '9'.repeat(400)]) {
        const response = await request(t.http).get(`/records?limit=${limit}`).expect(200);
        expect(response.body).toMatchObject({ limit: 200 });
      }
    });

    it('trims the category and source filters, as stored values are', async () => {
      await request(t.http)
        .post('/records')
        .send(aRecordBody({ source: 'web' }))
        .expect(201);
      await request(t.http)
        .post('/records')
        .send(aRecordBody({ category: 'refund' }))
        .expect(201);
      const response = await request(t.http)
        .get('/records')
        .query({ category: '  order ', source: '\tweb ' })
        .expect(200);
      expect(response.body.items).toEqual([
        expect.objectContaining({ category: 'order', source: 'web' }),
      ]);
      expect(response.body.total).toBe(1);
    });

    it.each([
      [
        'an unknown status',
        'status=done',
        'status must be one of the following values: pending, processed, failed',
      ],
      [
        'an unknown sort field',
        'sort_by=payload',
        'sort_by must be one of the following values: created_at, status, category, source',
      ],
      [
        'a bad sort order',
        'sort_order=up',
        'sort_order must be one of the following values: asc, desc',
      ],
      ['a non-integer limit', 'limit=ten', 'limit must be an integer number'],
      ['a fractional limit', 'limit=1.5', 'limit must be an integer number'],
      ['a zero limit', 'limit=0', 'limit must not be less than 1'],
      ['a negative limit', 'limit=-5', 'limit must not be less than 1'],
      ['a negative offset', 'offset=-1', 'offset must not be less than 0'],
      [
        'an offset past the largest safe integer',
        'offset=99999999999999999999',
        'offset must not be greater than 9007199254740991',
      ],
      [
        'a blank category',
        'category=%20%20',
        'category must be longer than or equal to 1 characters',
      ],
      [
        'a 65-character source',
        `source=${'s'.repeat(65)}`,
        'source must be shorter than or equal to 64 characters',
      ],
      [
        'a malformed date',
        'created_after=yesterday',
        'created_after must be an ISO-8601 date (YYYY-MM-DD) or date-time',
      ],
      [
        'an impossible date',
        'created_before=2026-02-30',
        'created_before must be an ISO-8601 date (YYYY-MM-DD) or date-time',
      ],
      ['an unknown parameter', 'state=pending', 'property state should not exist'],
      [
        'a repeated parameter',
        'status=pending&status=failed',
        'status must be one of the following values: pending, processed, failed',
      ],
    ])('answers 400 for %s', async (_, query, message) => {
      const response = await request(t.http).get(`/records?${query}`).expect(400);
      expect(response.body).toEqual({
        ...problem(400, 'ValidationError', message, '/records', 'validation-error'),
        details: [{ field: expect.any(String), message }],
      });
    });
  });

  describe('health and docs', () => {
    it('GET /health answers 200 when the database answers', async () => {
      const response = await request(t.http).get('/health').expect(200);
      expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    });

    it('GET /health/live answers 200', async () => {
      await request(t.http).get('/health/live').expect(200, { status: 'ok' });
    });

    it('GET /docs-json describes every route', async () => {
      const response = await request(t.http).get('/docs-json').expect(200);
      expect(Object.keys(response.body.paths).sort()).toEqual([
        '/health',
        '/health/live',
        '/metrics',
        '/problems',
        '/problems/{type}',
        '/records',
        '/records/batch',
        '/records/retry',
        '/records/{id}',
        '/records/{id}/events',
        '/records/{id}/process',
        '/records/{id}/retry',
        '/reports/summary',
        '/reports/timeseries',
        '/version',
        '/webhooks',
        '/webhooks/deliveries/{id}/redeliver',
        '/webhooks/{id}',
        '/webhooks/{id}/deliveries',
        '/webhooks/{id}/rotate-secret',
      ]);
    });
  });
});
