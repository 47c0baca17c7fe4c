import { Client } from 'pg';
import request from 'supertest';
import { requestFingerprint, sha256 } from '../src/idempotency/idempotency-key';
import { IdempotencyService } from '../src/idempotency/idempotency.service';
import { useTestApp } from './app';
import { aRecordBody, MISSING_ID, problem } from './builders';

describe('Idempotent POSTs (e2e)', () => {
  // Short lock waits, so the "server fault" case below (a 503) comes quickly.
  const t = useTestApp({ DB_LOCK_TIMEOUT_MS: '300' });

  const create = (key: string, body: object = aRecordBody()) =>
    request(t.http).post('/records').set('Idempotency-Key', key).send(body);
  const recordCount = async () =>
    Number((await t.db.query('SELECT count(*) FROM records'))[0].count);
  const anonymousScope = (path: string) => `${sha256('').slice(0, 32)} POST ${path}`;

  it('replays the stored response to a repeat, creating nothing', async () => {
    const first = await create('key-1').expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await create('key-1').set('X-Request-ID', 'the-repeat').expect(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(`/records/${first.body.id}`);
    expect(again.headers['x-request-id']).toBe('the-repeat');
    expect(await recordCount()).toBe(1);
  });

  it('accepts the key as a quoted structured-field string', async () => {
    const first = await create('"quoted"').expect(201);
    const again = await create('quoted').expect(201);
    expect(again.body.id).toBe(first.body.id);
  });

  it('treats a body that differs only in key order as the same request', async () => {
    const first = await create('key-order', {
      source: 'api',
      category: 'order',
      payload: { a: 1, b: 2 },
    }).expect(201);
    const again = await create('key-order', {
      payload: { b: 2, a: 1 },
      category: 'order',
      source: 'api',
    }).expect(201);
    expect(again.body.id).toBe(first.body.id);
  });

  it('refuses the same key with another body (422) and creates nothing', async () => {
    await create('key-2').expect(201);
    const response = await create('key-2', aRecordBody({ category: 'refund' })).expect(422);
    expect(response.body).toEqual(
      problem(
        422,
        'UnprocessableEntity',
        'Idempotency-Key was already used with a different request body',
        '/records',
        'idempotency-key-reused',
      ),
    );
    expect(await recordCount()).toBe(1);
  });

  it('answers 409 with Retry-After while the first request is in flight', async () => {
    const body = aRecordBody();
    await t.db.query(
      `INSERT INTO idempotency_keys (scope, key, fingerprint, claim, locked_until, expires_at)
       VALUES ($1, 'busy', $2, gen_random_uuid(), now() + interval '20 seconds', now() + interval '1 day')`,
      [anonymousScope('/records'), requestFingerprint('POST', '/records', body)],
    );
    const response = await create('busy', body).expect(409);
    expect(response.body).toEqual(
      problem(
        409,
        'Conflict',
        'A request with this Idempotency-Key is still being processed; retry later',
        '/records',
        'request-in-flight',
      ),
    );
    // The first request normally finishes in milliseconds: ask again in a second,
    // not when its claim would expire.
    expect(response.headers['retry-after']).toBe('1');
    expect(await recordCount()).toBe(0);
  });

  it.each([
    ['has run for 5 s: about as long again', '5 seconds', '20 seconds', '5'],
    ['has run for 4.2 s', '4200 milliseconds', '20 seconds', '4'],
    ['may be taken over in 3 s: no later than that', '25 seconds', '3 seconds', '3'],
    ['has just started: in a second', '10 milliseconds', '20 seconds', '1'],
  ])(
    'says in Retry-After when to ask again about a request that %s',
    async (_, age, lockRemaining, retryAfter) => {
      const body = aRecordBody();
      await t.db.query(
        `INSERT INTO idempotency_keys (scope, key, fingerprint, claim, locked_until, created_at, expires_at)
         VALUES ($1, 'slow', $2, gen_random_uuid(), now() + $3::interval, now() - $4::interval,
                 now() + interval '1 day')`,
        [
          anonymousScope('/records'),
          requestFingerprint('POST', '/records', body),
          lockRemaining,
          age,
        ],
      );
      const response = await create('slow', body).expect(409);
      expect(response.headers['retry-after']).toBe(retryAfter);
      expect(await recordCount()).toBe(0);
    },
  );

  it('takes over an in-flight claim abandoned by a crashed instance', async () => {
    const body = aRecordBody();
    await t.db.query(
      `INSERT INTO idempotency_keys (scope, key, fingerprint, claim, locked_until, expires_at)
       VALUES ($1, 'orphan', $2, gen_random_uuid(), now() - interval '1 second', now() + interval '1 day')`,
      [anonymousScope('/records'), requestFingerprint('POST', '/records', body)],
    );
    await create('orphan', body).expect(201);
    expect(await recordCount()).toBe(1);
  });

  it('runs a request again when its key expired, and purges expired keys', async () => {
    const first = await create('old').expect(201);
    await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second'`);
    const again = await create('old').expect(201);
    expect(again.body.id).not.toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBeUndefined();

    await t.db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second'`);
    expect(await t.app.get(IdempotencyService).purgeExpired()).toBe(1);
    expect(await t.db.query('SELECT key FROM idempotency_keys')).toEqual([]);
  });

  it('commits the record and its key together', async () => {
    const response = await create('atomic').expect(201);
    const [row] = await t.db.query(
      `SELECT response_status, response_body::jsonb->>'id' AS id, fingerprint FROM idempotency_keys WHERE key = 'atomic'`,
    );
    expect(row).toEqual({
      response_status: 201,
      id: response.body.id,
      fingerprint: requestFingerprint('POST', '/records', aRecordBody()),
    });
  });

  it('stores a 4xx and replays it', async () => {
    const invalid = aRecordBody({ source: '' });
    const first = await create('bad', invalid).expect(400);
    const again = await create('bad', invalid).set('X-Request-ID', 'second-try').expect(400);
    expect(again.body).toEqual({ ...first.body, request_id: 'second-try' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it("replays a stored error with this request's instance and request id", async () => {
    const first = await request(t.http)
      .post(`/Records/${MISSING_ID}/process`)
      .set('Idempotency-Key', 'gone')
      .expect(404);
    expect(first.body.instance).toBe(`/Records/${MISSING_ID}/process`);
    const again = await request(t.http)
      .post(`/records/${MISSING_ID}/process`)
      .set('Idempotency-Key', 'gone')
      .set('X-Request-ID', 'again')
      .expect(404);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual({
      ...first.body,
      instance: `/records/${MISSING_ID}/process`,
      request_id: 'again',
    });
  });

  it('never stores a 5xx: a retry after a server fault runs again', async () => {
    const blocker = new Client({ connectionString: process.env.DATABASE_URL });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE records IN EXCLUSIVE MODE');
      const fault = await create('fault').expect(503);
      expect(fault.headers['retry-after']).toBeDefined();
      expect(fault.body).toMatchObject({ error: 'ServiceUnavailable', status: 503 });
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(await t.db.query(`SELECT key FROM idempotency_keys WHERE key = 'fault'`)).toEqual([]);
    const retried = await create('fault').expect(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await recordCount()).toBe(1);
  });

  it('replays the original 200 to a retried process instead of answering 409', async () => {
    const { body: record } = await request(t.http).post('/records').send(aRecordBody()).expect(201);
    const first = await request(t.http)
      .post(`/records/${record.id}/process`)
      .set('Idempotency-Key', 'p1')
      .expect(200);
    const again = await request(t.http)
      .post(`/records/${record.id}/process`)
      .set('Idempotency-Key', 'p1')
      .expect(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    await request(t.http)
      .post(`/records/${record.id}/process`)
      .set('Idempotency-Key', 'p2')
      .expect(409);
    const [{ exits }] = await t.db.query(
      `SELECT count(*)::int AS exits FROM record_events WHERE from_status = 'pending'`,
    );
    expect(exits).toBe(1);
  });

  it('scopes keys by path', async () => {
    const a = await create('shared').expect(201);
    const [{ id }] = await t.db.query(`SELECT id FROM records`);
    const processed = await request(t.http)
      .post(`/records/${id}/process`)
      .set('Idempotency-Key', 'shared')
      .expect(200);
    expect(processed.body.id).toBe(a.body.id);
    expect(processed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('scopes keys by the matched route: /records/, /Records and an upper-case id are the same', async () => {
    const first = await create('route').expect(201);
    for (const path of ['/records/', '/Records']) {
      const again = await request(t.http)
        .post(path)
        .set('Idempotency-Key', 'route')
        .send(aRecordBody())
        .expect(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers.location).toBe(`/records/${first.body.id}`);
    }
    expect(await recordCount()).toBe(1);

    const processed = await request(t.http)
      .post(`/records/${first.body.id}/process`)
      .set('Idempotency-Key', 'process-once')
      .expect(200);
    const upper = await request(t.http)
      .post(`/records/${String(first.body.id).toUpperCase()}/process`)
      .set('Idempotency-Key', 'process-once')
      .expect(200);
    expect(upper.headers['idempotent-replayed']).toBe('true');
    expect(upper.text).toBe(processed.text);
  });

  it('without API_KEYS, ignores a stray X-API-Key when scoping', async () => {
    const first = await create('stray').expect(201);
    const again = await create('stray').set('X-API-Key', 'not-configured').expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(await recordCount()).toBe(1);
  });

  it('replays the exact bytes first sent', async () => {
    // Keys in an order jsonb would not keep, at every level of the response.
    const body = aRecordBody({ payload: { zeta: 1, alpha: { y: true, b: null }, mid: [3, 1] } });
    const first = await create('bytes', body).expect(201);
    const replay = await create('bytes', body).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.text).toBe(first.text);
    expect(replay.headers['content-type']).toBe(first.headers['content-type']);
  });

  it('keeps a stored response when the request is released after its commit', async () => {
    // What the interceptor does after a 5xx whose COMMIT may have succeeded (its
    // reply lost): the release must not delete the committed response.
    const first = await create('committed').expect(201);
    const [{ claim, scope }] = await t.db.query(
      `SELECT claim, scope FROM idempotency_keys WHERE key = 'committed'`,
    );
    await t.app.get(IdempotencyService).release({ scope, key: 'committed', claim });
    const retried = await create('committed').expect(201);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.text).toBe(first.text);
    expect(await recordCount()).toBe(1);
  });

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['not printable ASCII', 'caf\u00e9'],
  ])('refuses a key that is %s (400)', async (_, key) => {
    const response = await request(t.http)
      .post('/records')
      .set('Idempotency-Key', Buffer.from(key, 'latin1').toString('latin1'))
      .send(aRecordBody())
      .expect(400);
    expect(response.body).toEqual({
      ...problem(
        400,
        'ValidationError',
        'Idempotency-Key must be 1-255 printable ASCII characters, bare or as a quoted string',
        '/records',
        'validation-error',
      ),
      details: [
        {
          field: 'Idempotency-Key',
          message:
            'Idempotency-Key must be 1-255 printable ASCII characters, bare or as a quoted string',
        },
      ],
    });
    expect(await recordCount()).toBe(0);
  });

  it('creates exactly one record for 20 concurrent requests with one new key', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => create('race')));
    expect(await recordCount()).toBe(1);
    const [{ id }] = await t.db.query('SELECT id FROM records');
    for (const response of responses) {
      if (response.status === 201) expect(response.body.id).toBe(id);
      else expect(response.status).toBe(409);
    }
    expect(
      responses.filter(
        (response) => response.status === 201 && !response.headers['idempotent-replayed'],
      ),
    ).toHaveLength(1);
  });
});
