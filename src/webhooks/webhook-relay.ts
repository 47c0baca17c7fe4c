import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PinoLogger } from 'nestjs-pino';
import { startDeliverySpan } from '../common/tracing';
import { Environment } from '../config/environment';
import { Database } from '../database/database';
import { NotificationListener } from '../database/notifications';
import { DeliveryOutcome, WebhookMetrics } from '../metrics/webhook-metrics';
import { retryAfterSeconds, verdict } from './retry-schedule';
import { SecretBox } from './secret-box';
import { ClaimedDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookSender } from './webhook-sender';
import { signatureHeader } from './webhook-signature';

/** The channel the fan-out trigger NOTIFYs when it queues deliveries. */
export const DELIVERY_CHANNEL = 'webhook_deliveries';

/** How often recording an outcome is tried while the database is away, and the pause between. */
const RECORD_TRIES = 10;
const RECORD_PAUSE_MS = 500;

/** How often the relay measures the queue for the metrics. */
const MEASURE_EVERY_MS = 5000;

/**
 * Posts due deliveries (WEBHOOK_DELIVERY_ENABLED, on by default, on every instance).
 * Each round claims what free slots it has (WEBHOOK_CONCURRENCY) in one short
 * statement, which commits before anything is sent; each POST runs with no
 * connection or transaction held; its outcome is recorded in another short
 * statement. NOTIFY wakes it early; polling (WEBHOOK_POLL_INTERVAL_MS) is the truth.
 */
@Injectable()
export class WebhookRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** A NOTIFY that came while the relay was not asleep: the next sleep is skipped. */
  private nudged = false;
  private readonly inFlight = new Set<Promise<void>>();
  private listener?: NotificationListener;
  private measuredAt = 0;
  private readonly sender: WebhookSender;
  private readonly concurrency: number;
  private readonly delays: number[];
  private readonly leaseMs: number;

  constructor(
    private readonly db: Database,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly secrets: SecretBox,
    private readonly metrics: WebhookMetrics,
    private readonly config: ConfigService<Environment, true>,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(WebhookRelay.name);
    const timeoutMs = config.get('WEBHOOK_TIMEOUT_MS', { infer: true });
    this.concurrency = config.get('WEBHOOK_CONCURRENCY', { infer: true });
    this.delays = config.get('WEBHOOK_RETRY_DELAYS', { infer: true });
    // Past the longest attempt, with room to record it: a live relay keeps its claims.
    this.leaseMs = 2 * timeoutMs + 5000;
    this.sender = new WebhookSender(
      timeoutMs,
      config.get('WEBHOOK_ALLOW_PRIVATE_URLS', { infer: true }),
      undefined,
      this.concurrency,
    );
  }

  onApplicationBootstrap(): void {
    if (!this.config.get('WEBHOOK_DELIVERY_ENABLED', { infer: true })) return;
    if (this.config.get('DB_POOLER', { infer: true }) !== 'transaction') {
      this.listener = new NotificationListener(this.db.dataSource, DELIVERY_CHANNEL, () => {
        this.nudged = true;
        this.wake?.();
      });
    }
    this.running = true;
    this.loop = this.run();
    this.logger.info('webhook relay started');
  }

  /** Stops claiming and waits for the posts in hand to be recorded (each bounded by the timeout). */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.all([...this.inFlight]);
    await this.listener?.close();
    this.sender.close();
    this.logger.info('webhook relay stopped');
  }

  private async run(): Promise<void> {
    const idleMs = this.config.get('WEBHOOK_POLL_INTERVAL_MS', { infer: true });
    while (this.running) {
      // Claims go in batches: wait until at least half the slots are free (one claim
      // statement per delivery would double the relay's round trips).
      if (this.inFlight.size > 0 && this.inFlight.size > this.concurrency / 2) {
        await Promise.race(this.inFlight);
        continue;
      }
      await this.listener?.ensure();
      if (Date.now() - this.measuredAt >= MEASURE_EVERY_MS) await this.measure();
      const wanted = this.concurrency - this.inFlight.size;
      let claimed: ClaimedDelivery[] = [];
      try {
        claimed = await this.deliveries.claim(wanted, this.leaseMs);
      } catch (error) {
        this.logger.warn({ err: error }, 'claiming webhook deliveries failed; will retry');
      }
      for (const delivery of claimed) {
        const posting: Promise<void> = this.deliver(delivery)
          .catch((error: unknown) => {
            // Not recorded: the lease runs out and the delivery is tried again.
            this.logger.error({ err: error, delivery_id: delivery.id }, 'webhook delivery failed');
          })
          .finally(() => this.inFlight.delete(posting));
        this.inFlight.add(posting);
      }
      // A full claim means more may be due: go again as soon as a slot frees.
      if (claimed.length < wanted) await this.sleep(idleMs);
      else this.nudged = false;
    }
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    const attemptedAt = new Date();
    const outcome = await this.post(delivery, attemptedAt);
    const next = verdict(
      {
        statusCode: outcome.statusCode,
        retryAfterSeconds: retryAfterSeconds(outcome.retryAfter),
      },
      delivery.attempts + 1,
      this.delays,
      delivery.last_attempt,
    );
    const metricOutcome: DeliveryOutcome = next.status === 'pending' ? 'retrying' : next.status;
    this.metrics.attempted(metricOutcome, outcome.durationMs / 1000);
    await this.recordWithRetries(delivery, {
      deliveryId: delivery.id,
      lease: delivery.lease,
      attemptedAt,
      durationMs: outcome.durationMs,
      statusCode: outcome.statusCode ?? null,
      error: outcome.error ?? null,
      status: next.status,
      nextAttemptAt: next.status === 'pending' ? new Date(Date.now() + next.delayMs) : null,
    });
    if (next.status === 'failed' && next.disableEndpoint) {
      const disabled = await this.endpoints
        .disableGone(delivery.endpoint_id, 'The receiver answered 410 Gone')
        .catch((error: unknown) => {
          this.logger.warn({ err: error }, 'disabling a gone webhook endpoint failed');
          return false;
        });
      if (disabled) {
        this.metrics.endpointDisabled();
        await this.measure();
        this.logger.info({ endpoint_id: delivery.endpoint_id }, 'webhook endpoint disabled (410)');
      }
    }
  }

  /** Signs and posts; a secret that cannot be read fails the attempt (it never reaches the log). */
  private async post(delivery: ClaimedDelivery, at: Date) {
    let secrets: string[];
    try {
      secrets = [this.secrets.open(delivery.secret, delivery.endpoint_id)];
      if (
        delivery.previous_secret &&
        delivery.previous_secret_until &&
        delivery.previous_secret_until > at
      ) {
        secrets.push(this.secrets.open(delivery.previous_secret, delivery.endpoint_id));
      }
    } catch {
      return {
        error: 'the endpoint secret cannot be decrypted (WEBHOOK_SECRET_KEY)',
        durationMs: 0,
      };
    }
    const body = JSON.stringify({
      id: delivery.event_id,
      type: delivery.event_type,
      timestamp: delivery.occurred_at.toISOString(),
      request_id: delivery.request_id,
      data: delivery.data,
    });
    const timestamp = Math.floor(at.getTime() / 1000);
    // Continues the trace of the request that created the record (tracing on only).
    const span = startDeliverySpan({
      endpointId: delivery.endpoint_id,
      attempt: delivery.attempts + 1,
      traceparent: delivery.traceparent,
    });
    const outcome = await this.sender.send({
      url: delivery.url,
      body,
      headers: {
        ...span.headers,
        'Content-Type': 'application/json',
        'User-Agent': 'workflow-service-webhooks',
        'webhook-id': delivery.event_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, delivery.event_id, timestamp, body),
      },
    });
    span.end({
      status: outcome.statusCode,
      error: outcome.error === undefined ? undefined : new Error(outcome.error),
    });
    return outcome;
  }

  /**
   * Records the outcome, trying again while the database is away. If it never gets
   * through, the lease runs out and the delivery is sent again: a duplicate, with the
   * same webhook-id, never a loss.
   */
  private async recordWithRetries(
    delivery: ClaimedDelivery,
    attempt: Parameters<WebhookDeliveriesRepository['record']>[0],
  ): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        await this.deliveries.record(attempt);
        return;
      } catch (error) {
        if (tries >= RECORD_TRIES) {
          this.logger.warn(
            { err: error, delivery_id: delivery.id },
            'recording a webhook attempt failed; the delivery will be sent again',
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RECORD_PAUSE_MS));
      }
    }
  }

  /** The queue's figures for /metrics (a failure leaves the last ones). */
  private async measure(): Promise<void> {
    this.measuredAt = Date.now();
    try {
      const figures = await this.deliveries.queueFigures();
      this.metrics.measured(figures.oldest_due_age, figures.disabled_endpoints);
    } catch (error) {
      this.logger.debug({ err: error }, 'measuring the webhook queue failed');
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.nudged || !this.running) {
      this.nudged = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        this.nudged = false;
        done();
      };
    });
  }
}
