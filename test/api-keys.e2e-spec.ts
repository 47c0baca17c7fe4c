import request from 'supertest';
import { useTestApp } from './app';
import { aRecordBody, MISSING_ID, problem } from './builders';

const [KEY_A, KEY_B] = ['key-a-0123456789abcdef', 'key-b-fedcba9876543210'];

describe('API keys (e2e)', () => {
  const t = useTestApp({ API_KEYS: ` ${KEY_A}, ${KEY_B} ` });

  const unauthorized = (message: string, instance = '/records') =>
    problem(401, 'Unauthorized', message, instance, 'unauthorized');

  it('refuses a write without a key: 401, nothing stored', async () => {
    const response = await request(t.http).post('/records').send(aRecordBody()).expect(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.body).toEqual(
      unauthorized('An API key is required: send X-API-Key or Authorization: Bearer'),
    );
    expect(response.body.request_id).toBe(response.headers['x-request-id']);
    expect(await t.db.query('SELECT id FROM records')).toEqual([]);
  });

  it.each([
    ['a wrong key', { 'X-API-Key': 'nope' }],
    ['a key one character short', { 'X-API-Key': KEY_A.slice(0, -1) }],
    ['a much longer key', { 'X-API-Key': KEY_A.repeat(20) }],
    ['a wrong bearer token', { Authorization: 'Bearer nope' }],
  ])('refuses %s with 401 Invalid API key', async (_, headers) => {
    const response = await request(t.http)
      .post('/records')
      .set(headers)
      .send(aRecordBody())
      .expect(401);
    expect(response.body).toEqual(unauthorized('Invalid API key'));
    expect(await t.db.query('SELECT id FROM records')).toEqual([]);
  });

  it.each([
    ['X-API-Key with the first key', { 'X-API-Key': KEY_A }],
    ['X-API-Key with the second key', { 'X-API-Key': KEY_B }],
    ['Authorization: Bearer', { Authorization: `Bearer ${KEY_B}` }],
  ])('accepts %s', async (_, headers) => {
    const response = await request(t.http)
      .post('/records')
      .set(headers)
      .send(aRecordBody())
      .expect(201);
    expect(response.body).toMatchObject({ status: 'pending', category: 'order' });
  });

  it('guards every POST, not only creation', async () => {
    const response = await request(t.http).post(`/records/${MISSING_ID}/process`).expect(401);
    expect(response.body).toEqual(
      unauthorized(
        'An API key is required: send X-API-Key or Authorization: Bearer',
        `/records/${MISSING_ID}/process`,
      ),
    );
    await request(t.http)
      .post(`/records/${MISSING_ID}/process`)
      .set('X-API-Key', KEY_A)
      .expect(404);
  });

  it('scopes Idempotency-Keys by the API key that sent them', async () => {
    const send = (apiKey: string) =>
      request(t.http)
        .post('/records')
        .set('X-API-Key', apiKey)
        .set('Idempotency-Key', 'shared')
        .send(aRecordBody());
    const a = await send(KEY_A).expect(201);
    const b = await send(KEY_B).expect(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    const again = await send(KEY_A).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(a.body.id);
  });

  it('leaves reads open', async () => {
    await request(t.http).get('/records').expect(200);
    await request(t.http).get(`/records/${MISSING_ID}`).expect(404);
    await request(t.http).get('/reports/summary').expect(200);
    await request(t.http).get('/health/live').expect(200);
  });

  it('documents the keys in the OpenAPI document', async () => {
    const response = await request(t.http).get('/docs-json').expect(200);
    expect(response.body.components.securitySchemes).toEqual({
      'api-key': { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'API key' },
    });
    const create = response.body.paths['/records'].post;
    expect(create.security).toEqual([{ 'api-key': [] }, { bearer: [] }]);
    expect(create.responses['401']).toBeDefined();
    expect(response.body.paths['/records'].get.security).toBeUndefined();
  });
});
