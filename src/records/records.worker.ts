import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PinoLogger } from 'nestjs-pino';
import { Environment } from '../config/environment';
import { newRequestId } from '../common/request-id';
import { BatchTrace, outsideAnyTrace, tracingStarted } from '../common/tracing';
import { RecordsService } from './records.service';

/**
 * Optional background processing (WORKER_ENABLED): claims batches of pending
 * records and processes them through the same domain method as the API.
 */
@Injectable()
export class RecordsWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

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
    // Polls belong to no request's trace; a batch that claims records makes its own span.
    this.loop = outsideAnyTrace(() => this.run());
    this.logger.info('worker started');
  }

  /** Stops claiming, and waits for the batch in hand to commit. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loop;
    this.logger.info('worker stopped');
  }

  private async run(): Promise<void> {
    const batchSize = this.config.get('WORKER_BATCH_SIZE', { infer: true });
    const idleMs = this.config.get('WORKER_POLL_INTERVAL_MS', { infer: true });
    while (this.running) {
      let claimed = 0;
      const requestId = `worker_${newRequestId()}`;
      const batch = tracingStarted() ? new BatchTrace('records', requestId) : undefined;
      try {
        claimed = await this.records.processPendingBatch(batchSize, { requestId }, batch);
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
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
