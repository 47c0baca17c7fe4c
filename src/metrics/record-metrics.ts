import { Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';

export type ProcessingOutcome = 'processed' | 'failed';

/** Domain counters: what happened to records, for dashboards and alerts. */
@Injectable()
export class RecordMetrics {
  private readonly createdTotal: Counter;
  private readonly processedTotal: Counter<'outcome'>;
  private readonly retriedTotal: Counter;

  constructor(registry: Registry) {
    this.createdTotal = new Counter({
      name: 'workflow_records_created_total',
      help: 'Records created',
      registers: [registry],
    });
    this.processedTotal = new Counter({
      name: 'workflow_records_processed_total',
      help: 'Records run through the rules, by outcome (processed or failed)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.retriedTotal = new Counter({
      name: 'workflow_records_retried_total',
      help: 'Failed records sent back to pending',
      registers: [registry],
    });
    // Both outcomes are always exported, zero included, so rates and ratios work from the start.
    for (const outcome of ['processed', 'failed'] satisfies ProcessingOutcome[]) {
      this.processedTotal.inc({ outcome }, 0);
    }
  }

  /** Call once a record's creation has committed. */
  created(count = 1): void {
    this.createdTotal.inc(count);
  }

  /** Call once a process run has committed, with the record's new status. */
  processed(outcome: ProcessingOutcome): void {
    this.processedTotal.inc({ outcome });
  }

  /** Call once a retry (or a bulk retry of `count` records) has committed. */
  retried(count = 1): void {
    this.retriedTotal.inc(count);
  }
}
