import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { PinoLogger } from 'nestjs-pino';
import { IdempotencyKeyReusedError, RequestInFlightError } from '../common/domain-errors';
import { Environment } from '../config/environment';
import type { Transaction } from '../database/database';
import { inFlightRetryAfterSeconds } from './idempotency-key';
import { Claim, IdempotencyKeysRepository } from './idempotency-keys.repository';

export type ClaimOutcome =
  { kind: 'claimed'; claim: Claim } | { kind: 'replay'; status: number; body: string };

/** When the claim's state is not known (it was lost or keeps changing hands): ask again in a second. */
const IN_FLIGHT_RETRY_AFTER_SECONDS = 1;

/**
 * Idempotency-Key claims and stored responses, in PostgreSQL so they hold across
 * instances. See the README ("Idempotent requests") for the rules clients see.
 */
@Injectable()
export class IdempotencyService implements OnApplicationBootstrap, OnApplicationShutdown {
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    private readonly keys: IdempotencyKeysRepository,
    private readonly config: ConfigService<Environment, true>,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(IdempotencyService.name);
  }

  onApplicationBootstrap(): void {
    const every = this.config.get('IDEMPOTENCY_PURGE_INTERVAL_MS', { infer: true });
    this.purgeTimer = setInterval(() => void this.purgeExpired(), every).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.purgeTimer);
  }

  /**
   * Claims the key for this request: a new key (or one whose claim expired) is ours;
   * otherwise the stored response is replayed, or the request is refused (422 for
   * another body, 409 while the first is in flight).
   */
  async claim(scope: string, key: string, fingerprint: string): Promise<ClaimOutcome> {
    const claim: Claim = { scope, key, claim: randomUUID() };
    const lockMs = this.config.get('IDEMPOTENCY_LOCK_MS', { infer: true });
    const ttlHours = this.config.get('IDEMPOTENCY_TTL_HOURS', { infer: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.keys.claim(claim, fingerprint, lockMs, ttlHours)) {
        return { kind: 'claimed', claim };
      }
      const stored = await this.keys.find(scope, key);
      if (!stored) continue; // released (5xx) between the two statements: try again
      if (stored.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
      if (stored.response_status === null || stored.response_body === null) {
        throw new RequestInFlightError(
          inFlightRetryAfterSeconds(stored.age_ms, stored.lock_remaining_ms),
        );
      }
      return { kind: 'replay', status: stored.response_status, body: stored.response_body };
    }
    throw new RequestInFlightError(IN_FLIGHT_RETRY_AFTER_SECONDS);
  }

  /**
   * Stores the response body (the exact text sent) for a claim, inside `tx` when
   * given. Fails if the claim was lost (it expired and another request took it).
   */
  async complete(claim: Claim, status: number, body: string, tx?: Transaction): Promise<void> {
    if (!(await this.keys.complete(claim, status, body, tx))) {
      throw new RequestInFlightError(IN_FLIGHT_RETRY_AFTER_SECONDS);
    }
  }

  /** Forgets a claim whose request failed with a 5xx (and stored nothing), so a retry runs again. */
  release(claim: Claim): Promise<void> {
    return this.keys.release(claim);
  }

  async purgeExpired(): Promise<number> {
    try {
      const deleted = await this.keys.purgeExpired(10_000);
      if (deleted > 0) this.logger.info({ deleted }, 'purged expired idempotency keys');
      return deleted;
    } catch (error) {
      this.logger.warn({ err: error }, 'purging expired idempotency keys failed; will retry');
      return 0;
    }
  }
}
