import { ServiceProcess } from '../process-harness';
import { WebhookReceiver } from '../webhook-receiver';
import { PrivatePostgres } from './private-postgres';
import { faultService } from './service-process';
import { deadline, freePort, pollUntil } from './timing';

/** Deliveries retried every second (with jitter), attempts bounded at 1 s. */
const RELAY = {
  WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  WEBHOOK_RETRY_DELAYS: Array(30).fill('1').join(','),
  WEBHOOK_POLL_INTERVAL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_CONCURRENCY: '10',
};

/**
 * Webhooks under faults, on real service processes and a private PostgreSQL: what
 * committed is delivered, whatever dies when; duplicates (same webhook-id) are the
 * price of at least once, counted and bounded.
 */
describe('webhook delivery under faults (real service process, private PostgreSQL)', () => {
  let pg: PrivatePostgres;
  let service: ServiceProcess;
  const receiver = new WebhookReceiver();
  let receiverPort: number;

  beforeAll(async () => {
    pg = new PrivatePostgres('.data/faults-webhooks-pg', await freePort(), 'webhooks_faults_test');
    await pg.start();
    await pg.recreateDatabase();
    receiverPort = await freePort();
    await receiver.start(receiverPort);
    service = faultService('relay', await freePort(), { DATABASE_URL: pg.url, ...RELAY });
    await service.start();
    const subscribed = await fetch(`${service.url}/webhooks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: receiver.url(), events: ['record.created'] }),
    });
    expect(subscribed.status).toBe(201);
  }, 120_000);

  beforeEach(() => {
    receiver.received.length = 0;
    receiver.answer = () => ({ status: 200 });
  });

  afterAll(async () => {
    await service?.stop();
    await receiver.stop();
    await pg?.shutdown();
  }, 60_000);

  const createRecord = async (): Promise<string | undefined> => {
    const response = await fetch(`${service.url}/records`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ source: 'faults', category: 'order', payload: { amount: 1 } }),
    }).catch(() => undefined);
    if (response?.status !== 201) return undefined;
    return ((await response.json()) as { id: string }).id;
  };

  /** The webhook-id of each record's creation, from the outbox. */
  const eventIdsOf = async (recordIds: string[]) =>
    new Map(
      (
        await pg.query<{ id: string; record_id: string }>(
          `SELECT id, record_id FROM webhook_events WHERE record_id = ANY($1::uuid[])`,
          [recordIds],
        )
      ).map((row) => [row.record_id, row.id]),
    );

  const allSucceeded = async () =>
    (
      await pg.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'succeeded'`,
      )
    )[0].n === 0;

  const receivedIds = () => receiver.received.map((r) => String(r.headers['webhook-id']));

  it('the service SIGKILLed right after a commit: the event is delivered after the restart', async () => {
    const id = await createRecord();
    expect(id).toBeDefined();
    service.signal('SIGKILL');
    await service.exited;
    await service.start();
    const [eventId] = (await eventIdsOf([id!])).values();
    await pollUntil(() => receivedIds().includes(eventId), deadline(30_000), 'the delivery');
    await pollUntil(allSucceeded, deadline(30_000), 'the delivery to be recorded');
  });

  it('SIGKILLed while a receiver holds the POST: sent again after the lease, with the same webhook-id', async () => {
    receiver.answer = () => 'hang';
    const id = await createRecord();
    await receiver.receivedCount(1);
    service.signal('SIGKILL');
    await service.exited;
    receiver.answer = () => ({ status: 200 });
    await service.start();
    await receiver.receivedCount(2);
    const [eventId] = (await eventIdsOf([id!])).values();
    expect(receivedIds()).toEqual([eventId, eventId]);
    await pollUntil(allSucceeded, deadline(30_000), 'the delivery to be recorded');
  });

  it('the receiver down for a while: everything is delivered once it is back', async () => {
    await receiver.stop();
    const ids = (await Promise.all(Array.from({ length: 20 }, createRecord))) as string[];
    expect(ids.every(Boolean)).toBe(true);
    await pollUntil(
      async () =>
        (
          await pg.query<{ n: number }>(
            `SELECT count(DISTINCT delivery_id)::int AS n FROM webhook_attempts WHERE error LIKE '%ECONNREFUSED%'`,
          )
        )[0].n >= 20,
      deadline(30_000),
      'every delivery to have been refused once',
    );
    await receiver.start(receiverPort);
    await pollUntil(allSucceeded, deadline(60_000), 'every delivery to succeed');
    const wanted = [...(await eventIdsOf(ids)).values()];
    expect(new Set(receivedIds())).toEqual(new Set(wanted));
  });

  it('PostgreSQL restarted mid-relay: no delivery lost, duplicates counted and bounded', async () => {
    // The receiver is slow enough that POSTs are in flight when PostgreSQL goes.
    receiver.answer = () => ({ status: 200 });
    const acknowledged: string[] = [];
    let writing = true;
    const writers = Array.from({ length: 4 }, async () => {
      while (writing) {
        const id = await createRecord();
        if (id) acknowledged.push(id);
      }
    });
    await pollUntil(() => receiver.received.length >= 50, deadline(30_000), 'deliveries under way');
    await pg.stopFast();
    await pg.start();
    await pollUntil(() => acknowledged.length >= 300, deadline(60_000), 'writes after the restart');
    writing = false;
    await Promise.all(writers);

    await pollUntil(allSucceeded, deadline(90_000), 'every delivery to succeed');
    const wanted = [...(await eventIdsOf(acknowledged)).values()];
    expect(wanted).toHaveLength(acknowledged.length);
    const received = receivedIds();
    const lost = wanted.filter((id) => !received.includes(id));
    const duplicates = received.length - new Set(received).size;
    console.log(
      `webhooks, PostgreSQL restart: ${acknowledged.length} acknowledged, ${received.length} POSTs, ${lost.length} lost, ${duplicates} duplicates`,
    );
    expect(lost).toEqual([]);
    // A duplicate needs an attempt whose outcome could not be recorded: at most the
    // deliveries in flight when PostgreSQL went (WEBHOOK_CONCURRENCY).
    expect(duplicates).toBeLessThanOrEqual(Number(RELAY.WEBHOOK_CONCURRENCY));
  });
});
