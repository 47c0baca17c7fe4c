import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What an attempt led to: delivered, tried again later, or given up (failed). */
export type DeliveryOutcome = 'succeeded' | 'retrying' | 'failed';

/** Webhook delivery: outcomes, attempt latency, the queue's lag, disabled endpoints. */
@Injectable()
export class WebhookMetrics {
  private readonly attemptsTotal: Counter<'outcome'>;
  private readonly attemptSeconds: Histogram<'outcome'>;
  private readonly disabledTotal: Counter;
  private readonly oldestDue: Gauge;
  private readonly disabled: Gauge;

  constructor(registry: Registry) {
    this.attemptsTotal = new Counter({
      name: 'workflow_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by outcome (succeeded, retrying: will be tried again, failed: given up)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.attemptSeconds = new Histogram({
      name: 'workflow_webhook_attempt_duration_seconds',
      help: 'Time from sending a webhook to its answer (or the error), by outcome',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30],
      registers: [registry],
    });
    this.disabledTotal = new Counter({
      name: 'workflow_webhook_endpoints_disabled_total',
      help: 'Endpoints disabled because their receiver answered 410 Gone',
      registers: [registry],
    });
    // Measured by the relay between rounds (not at scrape time: a scrape takes no connection).
    this.oldestDue = new Gauge({
      name: 'workflow_webhook_oldest_due_delivery_age_seconds',
      help: 'How long the oldest due webhook delivery has waited for a relay (0: none due), as this instance last measured',
      registers: [registry],
    });
    this.disabled = new Gauge({
      name: 'workflow_webhook_endpoints_disabled',
      help: 'Webhook endpoints currently disabled (by PATCH or by a 410), as this instance last measured',
      registers: [registry],
    });
    for (const outcome of ['succeeded', 'retrying', 'failed'] satisfies DeliveryOutcome[]) {
      this.attemptsTotal.inc({ outcome }, 0);
    }
  }

  /** The queue as the relay measured it. */
  measured(oldestDueAgeSeconds: number, disabledEndpoints: number): void {
    this.oldestDue.set(oldestDueAgeSeconds);
    this.disabled.set(disabledEndpoints);
  }

  attempted(outcome: DeliveryOutcome, seconds: number): void {
    this.attemptsTotal.inc({ outcome });
    this.attemptSeconds.observe({ outcome }, seconds);
  }

  endpointDisabled(): void {
    this.disabledTotal.inc();
  }
}
