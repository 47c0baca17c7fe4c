import { Exchange, jsonHeaders, newIdempotencyKey, send } from './exchange';
import { deadline, pollUntil } from './timing';

export interface LoadOptions {
  /** Base URLs of the service instances; requests go round-robin. */
  targets: string[];
  concurrency: number;
  /** The client's bound: a request not answered by then counts as a hang. */
  timeoutMs: number;
  /** Hard cap on requests, so the generator is bounded even if nobody stops it. */
  maxRequests: number;
}

const CATEGORIES = ['order', 'refund', 'ticket', 'signup'];

/**
 * A bounded, concurrent load of creates and processes. Every request and its
 * answer are recorded for the checker; nothing is retried behind its back.
 */
export class LoadGenerator {
  readonly exchanges: Exchange[] = [];
  /** Ids whose creation was answered 201, in order. */
  readonly created: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private issued = 0;

  constructor(private readonly options: LoadOptions) {}

  start(): void {
    this.running = true;
    for (let worker = 0; worker < this.options.concurrency; worker++) {
      this.loops.push(this.loop());
    }
  }

  async stop(): Promise<Exchange[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.exchanges;
  }

  acknowledged(): number {
    return this.created.length;
  }

  /** Waits (bounded) until `more` further creates have been acknowledged. */
  async waitForAcks(more: number, timeoutMs = 15_000): Promise<void> {
    const target = this.created.length + more;
    await pollUntil(
      () => this.created.length >= target,
      deadline(timeoutMs),
      `${more} acknowledged creates`,
    );
  }

  private async loop(): Promise<void> {
    while (this.running && this.issued < this.options.maxRequests) {
      const n = this.issued++;
      const target = this.options.targets[n % this.options.targets.length];
      const exchange =
        this.created.length === 0 || n % 10 < 6
          ? await this.create(target, n)
          : n % 10 < 9
            ? await this.process(target)
            : await this.read(target, n);
      this.exchanges.push(exchange);
      // Without a server to answer, fetch fails at once: do not spin.
      if (exchange.networkError) await new Promise((done) => setTimeout(done, 20));
    }
  }

  private async create(target: string, n: number): Promise<Exchange> {
    const exchange = await send({
      target,
      method: 'POST',
      path: '/records',
      kind: 'create',
      headers: jsonHeaders,
      // One create in three carries an Idempotency-Key.
      idempotencyKey: n % 3 === 0 ? newIdempotencyKey() : undefined,
      body: JSON.stringify({
        source: 'faults',
        category: CATEGORIES[n % CATEGORIES.length],
        payload: { n, amount: (n % 200) + 0.5, note: `load ${n}` },
      }),
      timeoutMs: this.options.timeoutMs,
    });
    const id = (exchange.body as { id?: string } | undefined)?.id;
    if (exchange.status === 201 && id) this.created.push(id);
    return exchange;
  }

  /** Reads a recent record, or asks for readiness: these too must be quick 503s in trouble. */
  private read(target: string, n: number): Promise<Exchange> {
    const id = this.created[this.created.length - 1];
    return send({
      target,
      method: 'GET',
      path: n % 20 === 9 ? '/health' : `/records/${id}`,
      kind: 'read',
      timeoutMs: this.options.timeoutMs,
    });
  }

  /** Processes a recent record: often one another request is processing too. */
  private process(target: string): Promise<Exchange> {
    const recent = this.created.slice(-8);
    const id = recent[Math.floor(Math.random() * recent.length)];
    return send({
      target,
      method: 'POST',
      path: `/records/${id}/process`,
      kind: 'process',
      timeoutMs: this.options.timeoutMs,
    });
  }
}
