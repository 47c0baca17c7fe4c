import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, EntityManager } from 'typeorm';
import { IdempotencyKeyReusedError, RequestInFlightError } from '../common/domain-errors';
import { Environment } from '../config/environment';

export interface Claim {
  scope: string;
  key: string;
  claim: string;
}

export type ClaimOutcome =
  { kind: 'claimed'; claim: Claim } | { kind: 'replay'; status: number; body: unknown };

/**
 * Stores Idempotency-Key claims and responses in PostgreSQL, so they hold across
 * instances. See the README ("Idempotent requests") for the rules clients see.
 */
@Injectable()
export class IdempotencyService implements OnApplicationBootstrap, OnApplicationShutdown {
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
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
   * Claims the key for this request, atomically: a new key (or one whose claim
   * expired) is ours; otherwise the stored response is replayed, or the request
   * is refused (422 for another body, 409 while the first is in flight).
   */
  async claim(scope: string, key: string, fingerprint: string): Promise<ClaimOutcome> {
    const claim = randomUUID();
    const lockMs = this.config.get('IDEMPOTENCY_LOCK_MS', { infer: true });
    const ttlHours = this.config.get('IDEMPOTENCY_TTL_HOURS', { infer: true });
    for (let attempt = 0; attempt < 3; attempt++) {
      // Insert, or take over a row that expired or whose in-flight claim was abandoned
      // (a crashed instance); a live row is left alone and read below.
      const [claimed] = await this.dataSource.query<{ claim: string }[]>(
        `INSERT INTO idempotency_keys AS k (scope, key, fingerprint, claim, locked_until, expires_at)
         VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond', now() + $6 * interval '1 hour')
         ON CONFLICT (scope, key) DO UPDATE
            SET fingerprint = EXCLUDED.fingerprint, claim = EXCLUDED.claim,
                locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at,
                response_status = NULL, response_body = NULL, created_at = now()
          WHERE k.expires_at <= now() OR (k.response_status IS NULL AND k.locked_until <= now())
         RETURNING claim`,
        [scope, key, fingerprint, claim, lockMs, ttlHours],
      );
      if (claimed?.claim === claim) return { kind: 'claimed', claim: { scope, key, claim } };

      const [existing] = await this.dataSource.query<
        {
          fingerprint: string;
          response_status: number | null;
          response_body: unknown;
          wait_ms: number;
        }[]
      >(
        `SELECT fingerprint, response_status, response_body,
                greatest(0, extract(epoch FROM locked_until - now()) * 1000)::int AS wait_ms
           FROM idempotency_keys WHERE scope = $1 AND key = $2`,
        [scope, key],
      );
      if (!existing) continue; // released (5xx) between the two statements: try again
      if (existing.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
      if (existing.response_status === null) {
        throw new RequestInFlightError(Math.max(1, Math.ceil(existing.wait_ms / 1000)));
      }
      return { kind: 'replay', status: existing.response_status, body: existing.response_body };
    }
    throw new RequestInFlightError(1);
  }

  /**
   * Stores the response for a claim, inside the caller's transaction when one is
   * given (so a record and its key commit together). Fails if the claim was lost.
   */
  async complete(
    manager: EntityManager | DataSource,
    claim: Claim,
    status: number,
    body: unknown,
  ): Promise<void> {
    const updated = await manager.query<[unknown[], number]>(
      `UPDATE idempotency_keys SET response_status = $4, response_body = $5, locked_until = now()
        WHERE scope = $1 AND key = $2 AND claim = $3`,
      [claim.scope, claim.key, claim.claim, status, JSON.stringify(body)],
    );
    if (updated[1] !== 1) throw new RequestInFlightError(1);
  }

  /** Forgets a claim whose request failed with a 5xx, so a retry runs again. */
  async release(claim: Claim): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND claim = $3`,
      [claim.scope, claim.key, claim.claim],
    );
  }

  async purgeExpired(): Promise<number> {
    try {
      const [, deleted] = await this.dataSource.query<[unknown[], number]>(
        `DELETE FROM idempotency_keys WHERE ctid IN (
           SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT 10000)`,
      );
      if (deleted > 0) this.logger.info({ deleted }, 'purged expired idempotency keys');
      return deleted;
    } catch (error) {
      this.logger.warn({ err: error }, 'purging expired idempotency keys failed; will retry');
      return 0;
    }
  }
}
