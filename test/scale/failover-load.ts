import { randomUUID } from 'node:crypto';
import { Exchange, jsonHeaders, send } from '../faults/exchange';

/** One create as the client made it: its key and body, so it can be sent again. */
export interface CreateAttempt {
  key: string;
  body: string;
  /** The id a 201 (or a replay of one) named; undefined while never acknowledged. */
  acknowledgedId?: string;
}

const TIMEOUT_MS = 10_000;

/**
 * Steady, bounded load on the service instances: creates (every one with an
 * Idempotency-Key, some failing the rules so bulk retry has work), processes of
 * recent records, bulk retries, and a /health probe per instance every 100 ms.
 * Every exchange is recorded; nothing is retried behind the checker's back.
 */
export class FailoverLoad {
  readonly exchanges: Exchange[] = [];
  readonly health: Exchange[] = [];
  readonly creates = new Map<string, CreateAttempt>();
  private readonly recent: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private issued = 0;

  constructor(
    private readonly targets: string[],
    private readonly concurrency = 6,
    private readonly maxRequests = 6000,
  ) {}

  start(): void {
    this.running = true;
    for (let n = 0; n < this.concurrency; n++) this.loops.push(this.loop());
    for (const target of this.targets) this.loops.push(this.probe(target));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Creates answered 201 so far. */
  get acknowledged(): number {
    return [...this.creates.values()].filter((create) => create.acknowledgedId).length;
  }

  private async loop(): Promise<void> {
    while (this.running && this.issued < this.maxRequests) {
      const n = this.issued++;
      const target = this.targets[n % this.targets.length];
      const pick = n % 20;
      const exchange =
        this.recent.length === 0 || pick < 11
          ? await this.create(target, n)
          : pick < 19
            ? await this.process(target)
            : await this.bulkRetry(target);
      this.exchanges.push(exchange);
      // No server to answer (or a 503): do not spin.
      if (exchange.status === undefined || exchange.status === 503) {
        await new Promise((wake) => setTimeout(wake, 50));
      }
    }
  }

  private async create(target: string, n: number): Promise<Exchange> {
    const key = `failover-${randomUUID()}`;
    // Orders without an amount fail the rules: failed records for bulk retry.
    const payload = n % 4 === 0 ? { key, note: 'no amount' } : { key, amount: (n % 300) + 0.5 };
    const attempt: CreateAttempt = {
      key,
      body: JSON.stringify({ source: 'failover', category: 'order', payload }),
    };
    this.creates.set(key, attempt);
    const exchange = await this.sendCreate(target, attempt);
    const id = (exchange.body as { id?: string } | undefined)?.id;
    if (exchange.status === 201 && id) this.recent.push(id);
    if (this.recent.length > 20) this.recent.shift();
    return exchange;
  }

  /** Sends `attempt` (again): records the id a 201 names. */
  async sendCreate(target: string, attempt: CreateAttempt): Promise<Exchange> {
    const exchange = await send({
      target,
      method: 'POST',
      path: '/records',
      kind: 'create',
      headers: jsonHeaders,
      idempotencyKey: attempt.key,
      body: attempt.body,
      timeoutMs: TIMEOUT_MS,
    });
    const id = (exchange.body as { id?: string } | undefined)?.id;
    if (exchange.status === 201 && id) attempt.acknowledgedId ??= id;
    return exchange;
  }

  private process(target: string): Promise<Exchange> {
    const id = this.recent[Math.floor(Math.random() * this.recent.length)];
    return send({
      target,
      method: 'POST',
      path: `/records/${id}/process`,
      kind: 'process',
      timeoutMs: TIMEOUT_MS,
    });
  }

  private bulkRetry(target: string): Promise<Exchange> {
    return send({
      target,
      method: 'POST',
      path: '/records/retry',
      kind: 'process',
      headers: jsonHeaders,
      body: JSON.stringify({ limit: 20, source: 'failover' }),
      timeoutMs: TIMEOUT_MS,
    });
  }

  private async probe(target: string): Promise<void> {
    while (this.running) {
      this.health.push(
        await send({ target, method: 'GET', path: '/health', kind: 'probe', timeoutMs: 5000 }),
      );
      await new Promise((wake) => setTimeout(wake, 100));
    }
  }
}
