import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { Database } from '../src/database/database';
import { RecordsRepository } from '../src/records/records.repository';
import { TestApp, useTestApp } from './app';
import { aRecordBody, ISO_UTC, MISSING_ID, problem, UUID_PATTERN } from './builders';
import { Received, WebhookReceiver } from './webhook-receiver';

const SECRET_KEY = randomBytes(32).toString('base64');
const SECRET = /^whsec_[A-Za-z0-9+/]{43}=$/;
const EVENT_ID = /^evt_[0-9a-f]{32}$/;

/** Fast timers: one retry a second, two retries, short polls. */
const FAST = {
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  WEBHOOK_RETRY_DELAYS: '1,1',
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_SECRET_KEY: SECRET_KEY,
};

/** Standard Webhooks headers of a received request, as the reference library reads them. */
const signed = (received: Received) => ({
  'webhook-id': String(received.headers['webhook-id']),
  'webhook-timestamp': String(received.headers['webhook-timestamp']),
  'webhook-signature': String(received.headers['webhook-signature']),
});

/** Asks until `check` holds (each answer is real state, read again; bounded by the test timeout). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function api(t: TestApp) {
  return {
    subscribe: async (body: Record<string, unknown>) =>
      (await request(t.http).post('/webhooks').send(body).expect(201)).body as {
        id: string;
        secret: string;
      },
    createRecord: async (payload: Record<string, unknown> = { amount: 99.99 }) =>
      (await request(t.http).post('/records').send(aRecordBody({ payload })).expect(201)).body as {
        id: string;
      },
    deliveries: async (endpointId: string, query = '') =>
      (await request(t.http).get(`/webhooks/${endpointId}/deliveries${query}`).expect(200))
        .body as {
        items: {
          id: string;
          status: string;
          attempts: number;
          last_status_code: number | null;
          last_error: string | null;
          event_id: string;
        }[];
        next_cursor: string | null;
      },
  };
}

describe('Webhooks (e2e)', () => {
  const t = useTestApp(FAST);
  const receiver = new WebhookReceiver();
  const other = new WebhookReceiver();
  const { subscribe, createRecord, deliveries } = api(t);

  beforeAll(async () => {
    await receiver.start();
    await other.start();
  });
  afterAll(async () => {
    await receiver.stop();
    await other.stop();
  });
  beforeEach(() => {
    for (const r of [receiver, other]) {
      r.received.length = 0;
      r.answer = () => ({ status: 200 });
    }
  });

  describe('endpoints', () => {
    it('creates an endpoint with a secret shown once, stored encrypted', async () => {
      const response = await request(t.http)
        .post('/webhooks')
        .send({ url: receiver.url(), description: 'orders' })
        .expect(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(UUID_PATTERN),
        url: receiver.url(),
        events: ['record.created', 'record.processed', 'record.failed', 'record.retried'],
        description: 'orders',
        enabled: true,
        disabled_reason: null,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
        last_outcome: null,
        secret: expect.stringMatching(SECRET),
      });
      const { id, secret } = response.body as { id: string; secret: string };
      expect(response.headers.location).toBe(`/webhooks/${id}`);

      const one = await request(t.http).get(`/webhooks/${id}`).expect(200);
      expect(one.body).not.toHaveProperty('secret');
      const list = await request(t.http).get('/webhooks').expect(200);
      expect(list.body).toEqual({ items: [one.body] });
      expect(JSON.stringify(list.body)).not.toContain(secret.slice(6));

      const [row] = await t.db.query('SELECT secret FROM webhook_endpoints WHERE id = $1', [id]);
      expect(row.secret).toMatch(/^v1\./);
      expect(row.secret).not.toContain(secret.slice(6));
    });

    it('documents the event body as the callback of POST /webhooks', async () => {
      const { body } = await request(t.http).get('/docs-json').expect(200);
      const callback = body.paths['/webhooks'].post.callbacks.recordEvent['{$request.body#/url}'];
      expect(callback.post.requestBody.content['application/json'].schema).toEqual({
        $ref: '#/components/schemas/WebhookEventBody',
      });
      expect(callback.post.parameters.map((p: { name: string }) => p.name)).toEqual([
        'webhook-id',
        'webhook-timestamp',
        'webhook-signature',
      ]);
      expect(Object.keys(body.components.schemas.WebhookEventBody.properties)).toEqual([
        'id',
        'type',
        'timestamp',
        'request_id',
        'data',
      ]);
    });

    it('refuses bad bodies with 400 naming the field', async () => {
      for (const [body, field] of [
        [{}, 'url'],
        [{ url: 'ftp://example.com/x' }, 'url'],
        [{ url: 'not a url' }, 'url'],
        [{ url: `https://example.com/${'a'.repeat(2048)}` }, 'url'],
        [{ url: receiver.url(), events: [] }, 'events'],
        [{ url: receiver.url(), events: ['record.deleted'] }, 'events'],
        [{ url: receiver.url(), secret: 'mine' }, 'secret'],
      ] as const) {
        const response = await request(t.http).post('/webhooks').send(body).expect(400);
        expect(response.body.error).toBe('ValidationError');
        expect(response.body.details[0].field).toBe(field);
      }
    });

    it('changes, disables and deletes an endpoint; unknown ids are 404', async () => {
      const { id } = await subscribe({ url: receiver.url() });
      const patched = await request(t.http)
        .patch(`/webhooks/${id}`)
        .send({ events: ['record.failed'], description: null, enabled: false })
        .expect(200);
      expect(patched.body).toMatchObject({
        events: ['record.failed'],
        description: null,
        enabled: false,
      });
      await request(t.http).delete(`/webhooks/${id}`).expect(204);
      for (const call of [
        request(t.http).get(`/webhooks/${id}`),
        request(t.http).patch(`/webhooks/${id}`).send({ enabled: true }),
        request(t.http).delete(`/webhooks/${id}`),
        request(t.http).post(`/webhooks/${id}/rotate-secret`),
        request(t.http).get(`/webhooks/${id}/deliveries`),
        request(t.http).get('/webhooks/not-a-uuid'),
      ]) {
        const response = await call.expect(404);
        expect(response.body).toEqual(
          problem(
            404,
            'NotFound',
            'Webhook endpoint not found',
            expect.any(String),
            'webhook-not-found',
          ),
        );
      }
      const missing = await request(t.http)
        .post(`/webhooks/deliveries/${MISSING_ID}/redeliver`)
        .expect(404);
      expect(missing.body.type).toBe('/problems/webhook-delivery-not-found');
    });
  });

  describe('events', () => {
    it('sends every event type, signed so that standardwebhooks verifies it, with the record after the change', async () => {
      const { id: endpointId, secret } = await subscribe({ url: receiver.url() });
      const good = await createRecord({ amount: 99.99 });
      const processed = await request(t.http).post(`/records/${good.id}/process`).expect(200);
      const bad = await createRecord({ note: 'no amount' });
      await request(t.http).post(`/records/${bad.id}/process`).expect(200);
      const retried = await request(t.http)
        .post(`/records/${bad.id}/retry`)
        .set('X-Request-ID', 'req-retry-0001')
        .expect(200);

      await receiver.receivedCount(5);
      const verifier = new Webhook(secret);
      const events = receiver.received.map((received) => {
        expect(received.headers['content-type']).toBe('application/json');
        expect(received.headers['webhook-id']).toMatch(EVENT_ID);
        expect(Number(received.headers['webhook-timestamp'])).toBeGreaterThan(1.7e9);
        const body = verifier.verify(received.body, signed(received)) as {
          id: string;
          type: string;
          data: { id: string };
        };
        expect(body.id).toBe(received.headers['webhook-id']);
        return body;
      });
      const types = (recordId: string) =>
        events
          .filter((event) => event.data.id === recordId)
          .map((event) => event.type)
          .sort();
      expect(types(good.id)).toEqual(['record.created', 'record.processed']);
      expect(types(bad.id)).toEqual(['record.created', 'record.failed', 'record.retried']);
      expect(events.find((event) => event.type === 'record.processed')).toEqual({
        id: expect.stringMatching(EVENT_ID),
        type: 'record.processed',
        timestamp: processed.body.processed_at,
        request_id: processed.headers['x-request-id'],
        data: processed.body,
      });
      expect(events.find((event) => event.type === 'record.retried')).toEqual({
        id: expect.stringMatching(EVENT_ID),
        type: 'record.retried',
        timestamp: retried.body.updated_at,
        request_id: 'req-retry-0001',
        data: retried.body,
      });
      expect(new Set(events.map((event) => event.id)).size).toBe(5);

      const page = await eventually(
        () => deliveries(endpointId),
        (body) => body.items.every((item) => item.status === 'succeeded'),
      );
      expect(page.items).toHaveLength(5);
      expect(page.items[0]).toEqual({
        id: expect.stringMatching(UUID_PATTERN),
        event_id: expect.stringMatching(EVENT_ID),
        event_type: 'record.retried',
        record_id: bad.id,
        status: 'succeeded',
        attempts: 1,
        last_status_code: 200,
        last_error: null,
        next_attempt_at: null,
        created_at: expect.stringMatching(ISO_UTC),
        delivered_at: expect.stringMatching(ISO_UTC),
      });
      const endpoint = await request(t.http).get(`/webhooks/${endpointId}`).expect(200);
      expect(endpoint.body.last_outcome).toEqual({
        status: 'succeeded',
        status_code: 200,
        error: null,
        at: expect.stringMatching(ISO_UTC),
      });
    });

    it('sends each endpoint only the types it subscribed to, and nothing to disabled ones', async () => {
      const processedOnly = await subscribe({ url: receiver.url(), events: ['record.processed'] });
      const everything = await subscribe({ url: other.url() });
      const disabled = await subscribe({ url: other.url('/disabled') });
      await request(t.http).patch(`/webhooks/${disabled.id}`).send({ enabled: false }).expect(200);
      const record = await createRecord();
      await request(t.http).post(`/records/${record.id}/process`).expect(200);

      // The fan-out happened with the changes: the queues are known before any POST.
      expect((await deliveries(processedOnly.id)).items.map((d) => d.status)).toHaveLength(1);
      expect((await deliveries(everything.id)).items).toHaveLength(2);
      expect((await deliveries(disabled.id)).items).toHaveLength(0);
      await receiver.receivedCount(1);
      await other.receivedCount(2);
      expect(receiver.bodies().map((body) => body.type)).toEqual(['record.processed']);
      expect(other.received.every((r) => r.path === '/hook')).toBe(true);
    });

    it('writes no event for a change that rolls back', async () => {
      await subscribe({ url: receiver.url() });
      const records = t.app.get(RecordsRepository);
      await expect(
        t.app.get(Database).transaction(async (tx) => {
          await records.create(
            { source: 'api', category: 'order', payload: {} },
            'req_rollback',
            null,
            tx,
          );
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await t.db.query('SELECT id FROM webhook_events')).toEqual([]);
      expect(await t.db.query('SELECT id FROM webhook_deliveries')).toEqual([]);
    });
  });

  describe('retries', () => {
    it('tries again after the schedule with the same webhook-id until a 2xx', async () => {
      const { id } = await subscribe({ url: receiver.url(), events: ['record.created'] });
      receiver.answer = (_, index) =>
        index === 0
          ? { status: 500 }
          : index === 1
            ? { status: 429, headers: { 'Retry-After': '1' } }
            : { status: 204 };
      await createRecord();
      await receiver.receivedCount(3);
      const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);

      const [delivery] = (
        await eventually(
          () => deliveries(id),
          (page) => page.items[0]?.status === 'succeeded',
        )
      ).items;
      expect(delivery).toMatchObject({ attempts: 3, last_status_code: 204, last_error: null });
      const attempts = await t.db.query(
        'SELECT status_code, error FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id',
        [delivery.id],
      );
      expect(attempts).toEqual([
        { status_code: 500, error: 'answered 500' },
        { status_code: 429, error: 'answered 429' },
        { status_code: 204, error: null },
      ]);
    });

    it('fails after the last delay; redeliver tries once more with the same id', async () => {
      const { id } = await subscribe({ url: receiver.url(), events: ['record.created'] });
      receiver.answer = () => ({ status: 302, headers: { Location: 'http://127.0.0.1:1/' } });
      await createRecord();
      const [failed] = (
        await eventually(
          () => deliveries(id),
          (page) => page.items[0]?.status === 'failed',
        )
      ).items;
      expect(failed).toMatchObject({
        attempts: 3,
        last_status_code: 302,
        last_error: 'redirect 302 not followed (to http://127.0.0.1:1/)',
        next_attempt_at: null,
      });
      expect(receiver.received).toHaveLength(3);
      expect((await deliveries(id, '?status=failed')).items).toHaveLength(1);
      expect((await deliveries(id, '?status=pending')).items).toHaveLength(0);

      receiver.answer = () => ({ status: 200 });
      const queued = await request(t.http)
        .post(`/webhooks/deliveries/${failed.id}/redeliver`)
        .expect(202);
      expect(queued.body).toMatchObject({ id: failed.id, status: 'pending' });
      await receiver.receivedCount(4);
      expect(receiver.received[3].headers['webhook-id']).toBe(failed.event_id);
      const [done] = (
        await eventually(
          () => deliveries(id),
          (page) => page.items[0]?.status === 'succeeded',
        )
      ).items;
      expect(done).toMatchObject({ attempts: 4, last_status_code: 200 });
    });

    it('disables the endpoint on 410 and stops its deliveries', async () => {
      const { id } = await subscribe({ url: receiver.url() });
      receiver.answer = () => ({ status: 410 });
      await createRecord();
      await receiver.receivedCount(1);
      const endpoint = await eventually(
        async () => (await request(t.http).get(`/webhooks/${id}`).expect(200)).body,
        (body) => body.enabled === false,
      );
      expect(endpoint.disabled_reason).toBe('The receiver answered 410 Gone');
      await createRecord();
      expect((await deliveries(id)).items.map((d) => d.status)).toEqual(['failed']);
      const metrics = await eventually(
        () => request(t.http).get('/metrics').expect(200),
        (response) => /^workflow_webhook_endpoints_disabled 1$/m.test(response.text),
      );
      expect(metrics.text).toMatch(/^workflow_webhook_endpoints_disabled_total 1$/m);
      expect(metrics.text).toMatch(/^workflow_webhook_endpoints_disabled 1$/m);
      expect(metrics.text).toMatch(
        /^workflow_webhook_deliveries_total\{outcome="failed"\} [1-9]\d*$/m,
      );
    });
  });

  describe('secret rotation', () => {
    it('signs with both the old and the new secret after a rotation', async () => {
      const { id, secret: old } = await subscribe({
        url: receiver.url(),
        events: ['record.created'],
      });
      const rotated = await request(t.http).post(`/webhooks/${id}/rotate-secret`).expect(200);
      expect(rotated.body).toEqual({ secret: expect.stringMatching(SECRET) });
      const fresh = rotated.body.secret as string;
      expect(fresh).not.toBe(old);
      await createRecord();
      await receiver.receivedCount(1);
      const [received] = receiver.received;
      expect(String(received.headers['webhook-signature']).split(' ')).toHaveLength(2);
      for (const secret of [old, fresh]) {
        expect(new Webhook(secret).verify(received.body, signed(received))).toMatchObject({
          type: 'record.created',
        });
      }
      expect(() =>
        new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(
          received.body,
          signed(received),
        ),
      ).toThrow();
    });
  });

  describe('delivery list', () => {
    it('pages newest first with cursors and refuses a cursor made for another filter', async () => {
      const { id } = await subscribe({ url: receiver.url(), events: ['record.created'] });
      for (let i = 0; i < 3; i++) await createRecord();
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await deliveries(id, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((item) => item.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toHaveLength(3);
      expect([...seen].sort().reverse()).toEqual(seen);

      const first = await deliveries(id, '?limit=1');
      const refused = await request(t.http)
        .get(`/webhooks/${id}/deliveries?status=failed&cursor=${first.next_cursor}`)
        .expect(400);
      expect(refused.body.details).toEqual([{ field: 'cursor', message: expect.any(String) }]);
      await request(t.http).get(`/webhooks/${id}/deliveries?status=done`).expect(400);
      await request(t.http).get(`/webhooks/${id}/deliveries?limit=0`).expect(400);
    });
  });
});

describe('Webhooks: the private-address guard and API keys (e2e)', () => {
  const KEY = 'webhook-test-key-0001';
  const t = useTestApp({
    ...FAST,
    WEBHOOK_ALLOW_PRIVATE_URLS: 'false',
    API_KEYS: KEY,
  });
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it('needs the API key on every /webhooks route, reads included', async () => {
    await request(t.http).get('/webhooks').expect(401);
    await request(t.http).get(`/webhooks/${MISSING_ID}/deliveries`).expect(401);
    await request(t.http).post('/webhooks').send({ url: 'https://example.com/' }).expect(401);
    await request(t.http).get('/webhooks').set('X-API-Key', KEY).expect(200);
  });

  it.each([
    'http://localhost:8080/hook',
    'http://127.0.0.1/hook',
    'http://[::1]/hook',
    'http://10.1.2.3/hook',
    'http://192.168.1.1/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://0.0.0.0/hook',
  ])('refuses %s on create and on update', async (url) => {
    const create = await request(t.http)
      .post('/webhooks')
      .set('X-API-Key', KEY)
      .send({ url })
      .expect(400);
    expect(create.body.details).toEqual([
      { field: 'url', message: expect.stringMatching(/non-public/) },
    ]);
  });

  it('refuses a private URL on update too', async () => {
    const [row] = await t.db.query(
      `INSERT INTO webhook_endpoints (url, events, secret) VALUES ('https://example.com/', '{record.created}', 'plain.whsec_x') RETURNING id`,
    );
    const update = await request(t.http)
      .patch(`/webhooks/${row.id}`)
      .set('X-API-Key', KEY)
      .send({ url: 'http://localhost/hook' })
      .expect(400);
    expect(update.body.details[0].message).toBe(
      'url refused: localhost resolves to a non-public address (127.0.0.1)',
    );
  });

  it('fails a delivery whose host resolves to a private address at delivery time', async () => {
    // As if DNS had changed after the check: the row points at localhost (127.0.0.1).
    await t.db.query(
      `INSERT INTO webhook_endpoints (url, events, secret) VALUES ($1, '{record.created}', 'plain.whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdA==')`,
      [`http://localhost:${receiver.port}/hook`],
    );
    await t.db.query(
      `INSERT INTO webhook_endpoints (url, events, secret) VALUES ($1, '{record.created}', 'plain.whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdA==')`,
      [`http://127.0.0.1:${receiver.port}/hook`],
    );
    await request(t.http).post('/records').set('X-API-Key', KEY).send(aRecordBody()).expect(201);
    const attempts = await eventually(
      () => t.db.query('SELECT error, status_code FROM webhook_attempts ORDER BY error'),
      (rows: unknown[]) => rows.length >= 2,
    );
    expect(attempts).toEqual([
      { error: 'refused: 127.0.0.1 is a non-public address', status_code: null },
      {
        error: 'refused: localhost resolves to a non-public address (127.0.0.1)',
        status_code: null,
      },
    ]);
    expect(receiver.received).toEqual([]);
  });
});

describe('Webhooks: NOTIFY wakes an idle relay (e2e)', () => {
  // Polls every 2 minutes, longer than the test may take: only the NOTIFY can wake it.
  const t = useTestApp({ ...FAST, WEBHOOK_POLL_INTERVAL_MS: '120000' });
  const receiver = new WebhookReceiver();
  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it('delivers a new event without waiting for the next poll', async () => {
    await request(t.http).post('/webhooks').send({ url: receiver.url() }).expect(201);
    await request(t.http).post('/records').send(aRecordBody()).expect(201);
    await receiver.receivedCount(1);
    expect(receiver.bodies()[0].type).toBe('record.created');
  });
});
