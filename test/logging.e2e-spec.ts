import request from 'supertest';
import { useTestApp } from './app';
import { aRecordBody, GENERATED_REQUEST_ID } from './builders';

/** The log lines the app writes, captured through the destination passed in. */
const lines: string[] = [];
const destination = { write: (line: string) => void lines.push(line) };

const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

/** The lines that carry this request id, once its last line is written (on 'finish'). */
async function linesOf(requestId: string): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const mine = lines.filter((line) => line.includes(`"request_id":"${requestId}"`));
    if (mine.some((line) => /"msg":"request (completed|errored)"/.test(line))) {
      return mine.map((line) => JSON.parse(line) as Record<string, unknown>);
    }
    if (Date.now() > deadline) throw new Error(`no completion line for ${requestId}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('Request logging (e2e)', () => {
  const t = useTestApp({ LOG_LEVEL: 'info' }, { logging: { destination } });

  beforeEach(() => {
    lines.length = 0;
  });

  it('ends each request with one line: method, url, route, status, response time, request id', async () => {
    const created = await request(t.http).post('/records').send(aRecordBody()).expect(201);
    const response = await request(t.http).get(`/records/${created.body.id}`).expect(200);
    const requestId = response.headers['x-request-id'];
    expect(requestId).toMatch(GENERATED_REQUEST_ID);

    const logged = await linesOf(requestId);
    expect(logged).toEqual([
      {
        level: 30,
        time: expect.any(Number),
        pid: process.pid,
        hostname: expect.any(String),
        request_id: requestId,
        method: 'GET',
        url: `/records/${created.body.id}`,
        route: '/records/:id',
        status: 200,
        responseTime: expect.any(Number),
        msg: 'request completed',
      },
    ]);
  });

  it('logs a request refused before routing (malformed JSON) under its id, with no route', async () => {
    const response = await request(t.http)
      .post('/records')
      .set('Content-Type', 'application/json')
      .set('X-Request-ID', 'bad-json-1')
      .send('{"source":')
      .expect(400);
    expect(response.headers['x-request-id']).toBe('bad-json-1');
    expect(await linesOf('bad-json-1')).toEqual([
      expect.objectContaining({ method: 'POST', url: '/records', route: null, status: 400 }),
    ]);
  });

  it('puts request_id exactly once on every line, error and 5xx lines included', async () => {
    await t.db.query(`
      CREATE FUNCTION logging_spec_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.category = 'unavailable' THEN RAISE EXCEPTION 'too busy' USING ERRCODE = '53300'; END IF;
        RAISE EXCEPTION 'broken on purpose' USING ERRCODE = 'XX000';
      END $$`);
    await t.db.query(`CREATE TRIGGER logging_spec_fault BEFORE INSERT ON records
      FOR EACH ROW EXECUTE FUNCTION logging_spec_fault()`);
    try {
      await request(t.http)
        .post('/records')
        .set('X-Request-ID', 'fault-500')
        .send(aRecordBody())
        .expect(500);
      await request(t.http)
        .post('/records')
        .set('X-Request-ID', 'fault-503')
        .send(aRecordBody({ category: 'unavailable' }))
        .expect(503);
    } finally {
      await t.db.query('DROP TRIGGER logging_spec_fault ON records');
      await t.db.query('DROP FUNCTION logging_spec_fault()');
    }

    const unexpected = await linesOf('fault-500');
    expect(unexpected).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'unhandled error',
        err: expect.objectContaining({ stack: expect.stringContaining('broken on purpose') }),
      }),
      expect.objectContaining({ msg: 'request errored', route: '/records', status: 500 }),
    ]);
    const unavailable = await linesOf('fault-503');
    expect(unavailable).toEqual([
      expect.objectContaining({ level: 40, reason: expect.stringContaining('too busy') }),
      expect.objectContaining({ msg: 'request errored', route: '/records', status: 503 }),
    ]);
    // Strict ingesters reject a JSON object with a duplicate key: count it in the raw lines.
    for (const line of lines.filter((line) => line.includes('"request_id"'))) {
      expect(occurrences(line, '"request_id"')).toBe(1);
    }
  });

  it('never logs a credential: headers, an Api-Key header, ?api_key= in the URL', async () => {
    // The service reads keys from X-API-Key and Authorization only; a key sent anywhere else
    // (an unknown query parameter is a 400) must not end up in the logs either.
    const secrets = {
      authorization: 'Bearer secret-authorization-1',
      'x-api-key': 'secret-x-api-key-2',
      cookie: 'session=secret-cookie-3',
      'api-key': 'secret-api-key-4',
    };
    const listed = await request(t.http)
      .get('/records?status=pending&api_key=secret-query-5&X-API-Key=secret-query-6&limit=5')
      .set(secrets)
      .expect(400);
    const created = await request(t.http)
      .post('/records?access_token=secret-query-7')
      .set(secrets)
      .send(aRecordBody())
      .expect(201);

    expect(await linesOf(listed.headers['x-request-id'])).toEqual([
      expect.objectContaining({
        url: '/records?status=pending&api_key=[redacted]&X-API-Key=[redacted]&limit=5',
        route: '/records',
        status: 400,
      }),
    ]);
    expect(await linesOf(created.headers['x-request-id'])).toEqual([
      expect.objectContaining({ url: '/records?access_token=[redacted]', status: 201 }),
    ]);
    expect(lines.join('')).not.toMatch(/secret-/);
  });
});
