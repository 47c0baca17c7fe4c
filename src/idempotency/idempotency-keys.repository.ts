import { Injectable } from '@nestjs/common';
import { Database, Transaction } from '../database/database';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

export interface Claim {
  scope: string;
  key: string;
  claim: string;
}

export type StoredKey = Pick<
  IdempotencyKeyEntity,
  'fingerprint' | 'response_status' | 'response_body'
> & {
  /** How long ago the claim was taken, in milliseconds. */
  age_ms: number;
  /** How long until an unfinished claim may be taken over, in milliseconds (negative: it may). */
  lock_remaining_ms: number;
};

/** Every statement on idempotency_keys. */
@Injectable()
export class IdempotencyKeysRepository {
  constructor(private readonly db: Database) {}

  /**
   * Inserts the claim, or takes over a row that expired or whose in-flight claim was
   * abandoned (a crashed instance); a live row is left alone. True when `claim` is ours.
   * One statement, so two requests racing for a key cannot both win.
   */
  async claim(
    claim: Claim,
    fingerprint: string,
    lockMs: number,
    ttlHours: number,
  ): Promise<boolean> {
    const [row] = await this.db.query<{ claim: string }>(
      {
        name: 'claim-idempotency-key',
        text: `INSERT INTO idempotency_keys AS k (scope, key, fingerprint, claim, locked_until, expires_at)
               VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond', now() + $6 * interval '1 hour')
               ON CONFLICT (scope, key) DO UPDATE
                  SET fingerprint = EXCLUDED.fingerprint, claim = EXCLUDED.claim,
                      locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at,
                      response_status = NULL, response_body = NULL, created_at = now()
                WHERE k.expires_at <= now() OR (k.response_status IS NULL AND k.locked_until <= now())
               RETURNING claim`,
      },
      [claim.scope, claim.key, fingerprint, claim.claim, lockMs, ttlHours],
    );
    return row?.claim === claim.claim;
  }

  async find(scope: string, key: string): Promise<StoredKey | null> {
    const [row] = await this.db.query<StoredKey>(
      {
        name: 'find-idempotency-key',
        text: `SELECT fingerprint, response_status, response_body,
                      (extract(epoch FROM now() - created_at) * 1000)::float8 AS age_ms,
                      (extract(epoch FROM locked_until - now()) * 1000)::float8 AS lock_remaining_ms
                 FROM idempotency_keys
                WHERE scope = $1 AND key = $2`,
      },
      [scope, key],
    );
    return row ?? null;
  }

  /**
   * Stores the response for a claim, in the caller's transaction when one is given,
   * so a record and its key commit together. False if the claim was lost.
   */
  async complete(claim: Claim, status: number, body: string, tx?: Transaction): Promise<boolean> {
    const updated = await this.db.execute(
      {
        name: 'complete-idempotency-key',
        text: `UPDATE idempotency_keys
                  SET response_status = $4, response_body = $5, locked_until = now()
                WHERE scope = $1 AND key = $2 AND claim = $3`,
      },
      [claim.scope, claim.key, claim.claim, status, body],
      tx,
    );
    return updated === 1;
  }

  /**
   * Forgets a claim that has no stored response. A claim whose response was stored is
   * never removed: when a COMMIT's reply was lost, the response may have committed,
   * and a retry must then find and replay it.
   */
  async release(claim: Claim): Promise<void> {
    await this.db.execute(
      {
        name: 'release-idempotency-key',
        text: `DELETE FROM idempotency_keys
                WHERE scope = $1 AND key = $2 AND claim = $3 AND response_status IS NULL`,
      },
      [claim.scope, claim.key, claim.claim],
    );
  }

  /** Deletes up to `batch` expired keys; how many it deleted. */
  async purgeExpired(batch: number): Promise<number> {
    return this.db.execute(
      {
        name: 'purge-idempotency-keys',
        text: `DELETE FROM idempotency_keys WHERE ctid IN (
                 SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)`,
      },
      [batch],
    );
  }
}
