/**
 * The `webhooks` scenario of `npm run bench`, on the running service (relay on):
 *
 * - CPU per request of POST /records and POST /records/{id}/process with no endpoint,
 *   then with one subscribed endpoint (the service's CPU then includes posting the
 *   deliveries those requests made: the whole cost on one instance);
 * - deliveries per second to a local receiver with 1 and with 10 endpoints: a backlog
 *   (records and events inserted by one SQL statement, fanned out by the trigger) and
 *   the time the relay takes to deliver all of it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withClient } from './database';

export interface MeasuredRequests {
  requestsPerSecond: number;
  cpuMicrosPerRequest: number;
}

export interface WebhookBenchInput {
  serviceUrl: string;
  databaseUrl: string;
  /** Measures one scenario of the service with wrk (the main benchmark's measure). */
  measure: (scenario: 'create' | 'process') => Promise<MeasuredRequests>;
  say: (line: string) => void;
}

async function receiver() {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function subscribe(serviceUrl: string, url: string): Promise<void> {
  const response = await fetch(`${serviceUrl}/webhooks`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ url }),
  });
  if (response.status !== 201) throw new Error(`POST /webhooks answered ${response.status}`);
}

/** Waits until no delivery is pending; the seconds it took. */
async function drained(databaseUrl: string, timeoutMs = 600_000): Promise<number> {
  const started = Date.now();
  return withClient(databaseUrl, async (client) => {
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`,
      );
      if (rows[0].n === 0) return (Date.now() - started) / 1000;
      if (Date.now() - started > timeoutMs)
        throw new Error(`${rows[0].n} deliveries still pending`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}

const reset = (databaseUrl: string) =>
  withClient(databaseUrl, (client) =>
    client.query('TRUNCATE webhook_endpoints, webhook_events CASCADE'),
  );

/** Deliveries per second for a backlog of `records` creations to `endpoints` endpoints. */
async function relayRate(
  input: WebhookBenchInput,
  url: string,
  endpoints: number,
  records: number,
): Promise<number> {
  await reset(input.databaseUrl);
  for (let i = 0; i < endpoints; i++) await subscribe(input.serviceUrl, url);
  await withClient(input.databaseUrl, (client) =>
    client.query(
      `WITH inserted AS (
         INSERT INTO records (source, category, payload)
         SELECT 'bench', 'order', jsonb_build_object('amount', n) FROM generate_series(1, $1::int) AS n
         RETURNING id, created_at
       )
       INSERT INTO record_events (record_id, from_status, to_status, attempt, at)
       SELECT id, NULL, 'pending', 0, created_at FROM inserted`,
      [records],
    ),
  );
  const seconds = await drained(input.databaseUrl);
  return (records * endpoints) / seconds;
}

export async function benchWebhooks(input: WebhookBenchInput): Promise<string> {
  const sink = await receiver();
  try {
    await reset(input.databaseUrl);
    const none = { create: await input.measure('create'), process: await input.measure('process') };
    await subscribe(input.serviceUrl, sink.url);
    const one = { create: await input.measure('create'), process: await input.measure('process') };
    await drained(input.databaseUrl);
    input.say(`webhooks: CPU per request measured; ${sink.received()} deliveries so far`);
    const rate1 = await relayRate(input, sink.url, 1, 20_000);
    input.say(`webhooks: ${rate1.toFixed(0)} deliveries/s with 1 endpoint`);
    const rate10 = await relayRate(input, sink.url, 10, 2_000);
    input.say(`webhooks: ${rate10.toFixed(0)} deliveries/s with 10 endpoints`);
    await reset(input.databaseUrl);

    const row = (name: string, a: MeasuredRequests, b: MeasuredRequests) =>
      `| ${name} | ${a.requestsPerSecond.toFixed(0)} / ${a.cpuMicrosPerRequest.toFixed(0)} us | ` +
      `${b.requestsPerSecond.toFixed(0)} / ${b.cpuMicrosPerRequest.toFixed(0)} us | ` +
      `${((100 * b.cpuMicrosPerRequest) / a.cpuMicrosPerRequest - 100).toFixed(0)}% |`;
    return [
      'Webhooks (relay on, WEBHOOK_CONCURRENCY default; CPU includes posting the deliveries):',
      '',
      '| request | no endpoint: req/s / CPU per request | one endpoint | CPU change |',
      '| --- | --- | --- | --- |',
      row('POST /records', none.create, one.create),
      row('POST /records/{id}/process', none.process, one.process),
      '',
      `Relay to a local receiver: ${rate1.toFixed(0)} deliveries/s with 1 endpoint (20,000), ` +
        `${rate10.toFixed(0)} with 10 endpoints (2,000 events); create rate without endpoints ` +
        `${none.create.requestsPerSecond.toFixed(0)} req/s.`,
    ].join('\n');
  } finally {
    await sink.close();
  }
}
