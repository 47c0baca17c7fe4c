import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PinoLogger } from 'nestjs-pino';
import { Environment } from '../config/environment';
import { newRequestId } from '../common/request-id';
import { BatchTrace, outsideAnyTrace, tracingStarted } from '../common/tracing';
import { RecordsService } from './records.service';

/**
 * Optional background processing (WORKER_ENABLED): WORKER_CONCURRENCY loops, each claiming
 * a batch of pending records (fair between sources) and processing it set-based
 * (RecordsService.processPendingBatch), with the same rules, events and rollups as the API.
 */
@Injectable()
export class RecordsWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly records: RecordsService,
    private readonly config: ConfigService<Environment, true>,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(RecordsWorker.name);
  }

  onApplicationBootstrap(): void {
    if (!this.config.get('WORKER_ENABLED', { infer: true })) return;
    this.running = true;
    const concurrency = this.config.get('WORKER_CONCURRENCY', { infer: true });
    // Polls belong to no request's trace; a batch that claims records makes its own span.
    this.loops = Array.from({ length: concurrency }, () => outsideAnyTrace(() => this.run()));
    this.logger.info({ concurrency }, 'worker started');
  }

  /** Stops claiming, and waits for the batches in hand to commit. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const wake of this.wakers) wake();
    await Promise.all(this.loops);
    this.logger.info('worker stopped');
  }

  private async run(): Promise<void> {
    const batchSize = this.config.get('WORKER_BATCH_SIZE', { infer: true });
    const idleMs = this.config.get('WORKER_POLL_INTERVAL_MS', { infer: true });
    const maxPerSource = this.config.get('WORKER_MAX_PER_SOURCE', { infer: true });
    while (this.running) {
      let claimed = 0;
      const requestId = `worker_${newRequestId()}`;
      const batch = tracingStarted() ? new BatchTrace('records', requestId) : undefined;
      try {
        claimed = await this.records.processPendingBatch(
          batchSize,
          { requestId },
          maxPerSource,
          batch,
        );
        batch?.end();
      } catch (error) {
        batch?.end(error);
        this.logger.warn({ err: error, ...batch?.logFields() }, 'worker batch failed; will retry');
      }
      // A full batch means more may be waiting: go again at once.
      if (claimed < batchSize) await this.sleep(idleMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}
