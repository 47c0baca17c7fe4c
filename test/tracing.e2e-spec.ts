import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { OtlpReceiver, ReceivedSpan, SPAN_KIND } from './otlp-receiver';
import { WebhookReceiver } from './webhook-receiver';
import { freePort, ServiceProcess, startService, waitFor } from './process-harness';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The JSON log lines a service wrote. */
const logLines = (service: ServiceProcess): Record<string, unknown>[] =>
  service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/**
 * Traces from intake to processing, exported over OTLP/HTTP by the built service (child
 * processes: instrumentation must load before http, pg and Nest, as in production) to a
 * receiver this test runs.
 */
describe('Tracing (e2e)', () => {
  const receiver = new OtlpReceiver();
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  let api: ServiceProcess;
  const others: ServiceProcess[] = [];
  // A value found in no statement, name or header: if it shows up in a span, a payload leaked.
  const secret = `payload-secret-${randomUUID()}`;

  const spansOf = (traceId: string) => receiver.spans.filter((span) => span.traceId === traceId);
  const childrenOf = (parent: ReceivedSpan) =>
    receiver.spans.filter((span) => span.parentSpanId === parent.spanId);

  const create = async (headers: Record<string, string> = {}) => {
    const response = await fetch(`${api.url}/records`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify({ source: 'traced', category: 'order', payload: { note: secret } }),
    });
    expect(response.status).toBe(201);
    return {
      id: ((await response.json()) as { id: string }).id,
      requestId: response.headers.get('x-request-id')!,
    };
  };

  const storedTraceparent = async (id: string): Promise<string | null> =>
    (
      await db.query<{ traceparent: string | null }>(
        `SELECT traceparent FROM records WHERE id = $1`,
        [id],
      )
    ).rows[0].traceparent;

  beforeAll(async () => {
    await receiver.start();
    await db.connect();
    api = await startService({
      ...receiver.env('api'),
      WORKER_ENABLED: 'false',
      WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '100',
    });
    await api.ready();
  });
  beforeEach(async () => {
    await db.query('TRUNCATE records, record_events, idempotency_keys, webhook_endpoints CASCADE');
  });
  afterAll(async () => {
    await Promise.all([api, ...others].map((service) => service?.stop()));
    // Whatever was exported, by every instance: no payload value in any span.
    expect(receiver.bodies.length).toBeGreaterThan(0);
    for (const body of receiver.bodies) expect(body).not.toContain(secret);
    await receiver.stop();
    await db.end();
  });

  it('traces a create: the HTTP server span continuing the caller, the Nest handler, each statement; logs carry the ids', async () => {
    const callerTrace = hex(16);
    const callerSpan = hex(8);
    const { id, requestId } = await create({
      traceparent: `00-${callerTrace}-${callerSpan}-01`,
      'X-Request-ID': `trace-create-${hex(4)}`,
    });

    const server = await waitFor('the POST /records server span', () =>
      spansOf(callerTrace).find((span) => span.kind === SPAN_KIND.SERVER),
    );
    expect(server).toMatchObject({
      name: 'POST /records',
      parentSpanId: callerSpan,
      attributes: expect.objectContaining({
        'http.request.method': 'POST',
        'http.route': '/records',
        'http.response.status_code': 201,
        'workflow.request_id': requestId,
      }),
      resource: expect.objectContaining({
        'service.name': 'workflow-service',
        'service.instance.id': 'api',
      }),
    });

    const nest = await waitFor('the Nest spans', () => {
      const context = childrenOf(server).find((span) => span.name === 'RecordsController.create');
      const handler = context && childrenOf(context).find((span) => span.name === 'create');
      return context && handler ? { context, handler } : undefined;
    });
    expect(nest.context.attributes).toMatchObject({
      'nestjs.type': 'request_context',
      'http.route': '/records',
    });
    expect(nest.handler.attributes).toMatchObject({ 'nestjs.type': 'handler' });

    const statement = await waitFor('the INSERT span', () =>
      childrenOf(nest.handler).find((span) => span.name.startsWith('pg.query:create-record')),
    );
    expect(statement.kind).toBe(SPAN_KIND.CLIENT);
    expect(statement.attributes['db.query.text']).toContain('INSERT INTO records');
    expect(statement.attributes['db.query.text']).toContain('$4');
    expect(Object.keys(statement.attributes).filter((key) => key.includes('values'))).toEqual([]);

    // The record keeps the context of the span that created it, for the worker to link to.
    expect(await storedTraceparent(id)).toBe(`00-${callerTrace}-${nest.handler.spanId}-01`);

    // Every line written while serving the request names its trace; the last, the server span.
    const lines = logLines(api).filter((line) => line.request_id === requestId);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatchObject({
        trace_id: callerTrace,
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
      });
    }
    expect(lines.find((line) => line.msg === 'request completed')).toMatchObject({
      span_id: server.spanId,
    });
  });

  it('starts a new trace when the caller sends none, and names the route template', async () => {
    const { id } = await create();
    const response = await fetch(`${api.url}/records/${id}`);
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-request-id');
    const server = await waitFor('the GET /records/:id server span', () =>
      receiver.spans.find(
        (span) =>
          span.kind === SPAN_KIND.SERVER && span.attributes['workflow.request_id'] === requestId,
      ),
    );
    expect(server).toMatchObject({
      name: 'GET /records/:id',
      parentSpanId: undefined,
      attributes: expect.objectContaining({
        'http.route': '/records/:id',
        'http.response.status_code': 200,
      }),
    });
    expect((await storedTraceparent(id))?.slice(0, 3)).toBe('00-');
  });

  it('links the worker batch on another instance to the requests that created its records', async () => {
    const worker = await startService({
      ...receiver.env('worker'),
      WORKER_ENABLED: 'true',
      WORKER_POLL_INTERVAL_MS: '50',
    });
    others.push(worker);
    await worker.ready();

    const created = [await create(), await create(), await create()];
    const creators: (string | null)[] = [];
    for (const { id } of created) creators.push(await storedTraceparent(id));
    await waitFor('the worker to process the records', async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM records WHERE status <> 'pending'`,
      );
      return rows[0].n === created.length ? true : undefined;
    });

    const fromWorker = () =>
      receiver.spans.filter((span) => span.resource['service.instance.id'] === 'worker');
    const batches = await waitFor('process records spans linking to every record', () => {
      const found = fromWorker().filter((span) => span.name === 'process records');
      const linked = found.flatMap((span) => span.links.map((link) => link.spanId));
      return creators.every((tp) => linked.includes(tp!.split('-')[2])) ? found : undefined;
    });

    let total = 0;
    for (const batch of batches) {
      const count = batch.attributes['messaging.batch.message_count'] as number;
      // No span for an empty poll: every batch span claimed something.
      expect(count).toBeGreaterThan(0);
      total += count;
      expect(batch).toMatchObject({
        kind: SPAN_KIND.CONSUMER,
        parentSpanId: undefined,
        attributes: expect.objectContaining({
          'messaging.operation.type': 'process',
          'messaging.destination.name': 'records',
          'workflow.request_id': expect.stringMatching(/^worker_req_/),
        }),
      });
      expect(batch.links).toHaveLength(count);
    }
    expect(total).toBe(created.length);
    for (const [index, { id }] of created.entries()) {
      const [, traceId, spanId] = creators[index]!.split('-');
      const link = batches.flatMap((batch) => batch.links).find((l) => l.spanId === spanId);
      expect(link).toEqual({ traceId, spanId, attributes: { 'messaging.message.id': id } });
    }
    // Each batch writes its transitions in one statement, a child of the batch.
    await waitFor('the transition statement under each batch', () =>
      batches.every(
        (batch) =>
          childrenOf(batch).filter((span) => span.name.startsWith('pg.query:apply-transitions'))
            .length === 1,
      )
        ? true
        : undefined,
    );
    // The worker's other traces: its startup and the HTTP requests it answered
    // (readiness); nothing from the polls that found nothing.
    const batchTraces = new Set(batches.map((batch) => batch.traceId));
    const otherRoots = fromWorker().filter(
      (span) => !batchTraces.has(span.traceId) && !span.parentSpanId,
    );
    for (const root of otherRoots) {
      expect(root.name === 'Create Nest App' ? root.name : `${root.kind} ${root.name}`).toMatch(
        /^Create Nest App$|^2 GET \/health$/,
      );
    }
    const inOtherTraces = fromWorker().filter((span) => !batchTraces.has(span.traceId));
    expect(
      inOtherTraces.filter(
        (span) => span.name.includes('claim') || span.name.startsWith('process'),
      ),
    ).toEqual([]);
  });

  it('continues the creating trace in the webhook delivery: a send span, and the traceparent it sends', async () => {
    const hooks = await new WebhookReceiver().start();
    try {
      const subscribed = await fetch(`${api.url}/webhooks`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: hooks.url(), events: ['record.created'] }),
      });
      expect(subscribed.status).toBe(201);
      const endpoint = (await subscribed.json()) as { id: string };
      const callerTrace = hex(16);
      const { id } = await create({ traceparent: `00-${callerTrace}-${hex(8)}-01` });

      await hooks.receivedCount(1);
      const [delivery] = hooks.received;
      expect(JSON.parse(delivery.body)).toMatchObject({ type: 'record.created', data: { id } });
      const [, traceId, sentSpanId] = String(delivery.headers.traceparent).split('-');
      expect(traceId).toBe(callerTrace);

      const send = await waitFor('the send span', () =>
        spansOf(callerTrace).find((span) => span.name === 'send' && span.spanId === sentSpanId),
      );
      // Its parent is the creating request's context stored with the record.
      const stored = (await storedTraceparent(id))!.split('-');
      expect(stored[1]).toBe(callerTrace);
      expect(send).toMatchObject({
        kind: SPAN_KIND.CLIENT,
        spanId: sentSpanId,
        parentSpanId: stored[2],
        attributes: expect.objectContaining({
          'workflow.webhook.endpoint_id': endpoint.id,
          'workflow.webhook.attempt': expect.any(Number),
          'http.response.status_code': 200,
        }),
      });
      await fetch(`${api.url}/webhooks/${endpoint.id}`, { method: 'DELETE' });
    } finally {
      await hooks.stop();
    }
  });

  it('exports http/protobuf when asked to', async () => {
    const seen: string[] = [];
    const protobuf = await startService({
      ...receiver.env('protobuf'),
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    });
    others.push(protobuf);
    const listener = receiver.onRequest((contentType) => seen.push(contentType));
    await protobuf.ready();
    await waitFor('a protobuf export', () =>
      seen.includes('application/x-protobuf') ? true : undefined,
    );
    listener();
  });

  it('answers as usual when the collector is down', async () => {
    const down = await startService({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    others.push(down);
    await down.ready();
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${down.url}/records`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ source: 'traced', category: 'order', payload: { note: secret } }),
      });
      expect(response.status).toBe(201);
    }
  });

  it('loads no OpenTelemetry SDK module when its variables are unset', () => {
    const root = resolve(__dirname, '..');
    const loaded = (env: Record<string, string>) => {
      const script = `
        require('./dist/src/tracing');
        require('./dist/src/app.setup');
        const modules = Object.keys(require.cache)
          .map((file) => /node_modules\\/(@opentelemetry\\/[^/]+)/.exec(file)?.[1])
          .filter(Boolean);
        process.stdout.write(JSON.stringify([...new Set(modules)].sort()));`;
      const run = spawnSync(process.execPath, ['-e', script], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      return JSON.parse(run.stdout) as string[];
    };
    expect(loaded({})).toEqual(['@opentelemetry/api']);
    expect(loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toEqual(
      expect.arrayContaining([
        '@opentelemetry/sdk-trace-node',
        '@opentelemetry/instrumentation-pg',
        '@opentelemetry/exporter-trace-otlp-proto',
      ]),
    );
  });
});
