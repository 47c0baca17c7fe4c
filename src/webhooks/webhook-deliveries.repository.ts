import { Injectable } from '@nestjs/common';
import { Database, NamedStatement } from '../database/database';
import type { DeliveryStatus, WebhookEventType } from './webhook-event-type';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A delivery a relay claimed: what it needs to post it, and the lease that records its outcome. */
export interface ClaimedDelivery {
  id: string;
  lease: string;
  attempts: number;
  last_attempt: boolean;
  event_id: string;
  event_type: WebhookEventType;
  occurred_at: Date;
  request_id: string | null;
  data: unknown;
  endpoint_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  /** The trace context of the request that created the record (records.traceparent), if any. */
  traceparent: string | null;
}

/** One attempt's outcome, as the relay records it. */
export interface AttemptRecord {
  deliveryId: string;
  lease: string;
  attemptedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  status: DeliveryStatus;
  /** When a pending delivery is tried next; null once it is finished. */
  nextAttemptAt: Date | null;
}

/** A row of an endpoint's delivery list. */
export interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: WebhookEventType;
  record_id: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  delivered_at: Date | null;
}

/**
 * Due deliveries of enabled endpoints, oldest due first, claimed for `$2` ms: the
 * lease pushes next_attempt_at past the attempt's longest duration, so no other relay
 * takes them meanwhile, and a relay that dies mid-POST leaves them due again when the
 * lease ends (at least once, the same webhook-id). SKIP LOCKED: concurrent claimers,
 * on any instance, pass over each other's rows instead of waiting. One statement: the
 * claim commits before anything is posted.
 */
export const CLAIM_DELIVERIES: NamedStatement = {
  name: 'webhook-claim-deliveries',
  text: `WITH due AS (
           SELECT d.id FROM webhook_deliveries d
             JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled
            WHERE d.status = 'pending' AND d.next_attempt_at <= now()
            ORDER BY d.next_attempt_at LIMIT $1
            FOR UPDATE OF d SKIP LOCKED
         )
         UPDATE webhook_deliveries d
            SET next_attempt_at = clock_timestamp() + $2 * interval '1 millisecond',
                lease = gen_random_uuid()
           FROM due, webhook_events e, webhook_endpoints w
          WHERE d.id = due.id AND e.id = d.event_id AND w.id = d.endpoint_id
         RETURNING d.id, d.lease, d.attempts, d.last_attempt, e.id AS event_id,
                   e.type AS event_type, e.occurred_at, e.request_id, e.data,
                   w.id AS endpoint_id, w.url, w.secret, w.previous_secret, w.previous_secret_until,
                   (SELECT r.traceparent FROM records r WHERE r.id = e.record_id) AS traceparent`,
};

/** The attempt, and the delivery's new state when the lease is still the recorder's. */
export const RECORD_ATTEMPT: NamedStatement = {
  name: 'webhook-record-attempt',
  text: `WITH attempt AS (
           INSERT INTO webhook_attempts (delivery_id, attempted_at, duration_ms, status_code, error)
           VALUES ($1, $2, $3, $4, $5)
         )
         UPDATE webhook_deliveries
            SET attempts = attempts + 1, status = $6, next_attempt_at = $7,
                last_status_code = $4, last_error = $5, lease = NULL, last_attempt = false,
                delivered_at = CASE WHEN $6 = 'succeeded' THEN clock_timestamp() ELSE delivered_at END
          WHERE id = $1 AND lease = $8`,
};

/** Every statement on webhook_deliveries, webhook_attempts and webhook_events. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly db: Database) {}

  claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.db.query<ClaimedDelivery>(CLAIM_DELIVERIES, [limit, leaseMs]);
  }

  /** Records an attempt; false when its lease was lost (redelivered, or claimed again). */
  async record(attempt: AttemptRecord): Promise<boolean> {
    const changed = await this.db.execute(RECORD_ATTEMPT, [
      attempt.deliveryId,
      attempt.attemptedAt,
      attempt.durationMs,
      attempt.statusCode,
      attempt.error,
      attempt.status,
      attempt.nextAttemptAt,
      attempt.lease,
    ]);
    return changed > 0;
  }

  /** One page of an endpoint's deliveries, newest first, after the delivery `before` (a cursor). */
  page(
    endpointId: string,
    filter: { status?: DeliveryStatus; before?: string; limit: number },
  ): Promise<DeliveryRow[]> {
    return this.db.query<DeliveryRow>(
      {
        text: `SELECT d.id, d.event_id, e.type AS event_type, e.record_id, d.status, d.attempts,
                      d.last_status_code, d.last_error, d.next_attempt_at, d.created_at, d.delivered_at
                 FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
                WHERE d.endpoint_id = $1
                  AND ($2::text IS NULL OR d.status = $2)
                  AND ($3::uuid IS NULL OR d.id < $3)
                ORDER BY d.id DESC LIMIT $4`,
      },
      [endpointId, filter.status ?? null, filter.before ?? null, filter.limit],
    );
  }

  /**
   * One more attempt, now, whatever the status (a finished delivery gets exactly one:
   * last_attempt). The lease is dropped: a relay posting it at this moment no longer
   * records onto it.
   */
  async redeliver(id: string): Promise<DeliveryRow | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db.query<DeliveryRow>(
      {
        text: `WITH queued AS (
                 UPDATE webhook_deliveries
                    SET last_attempt = (status <> 'pending'), status = 'pending',
                        next_attempt_at = now(), lease = NULL
                  WHERE id = $1 RETURNING *
               )
               SELECT d.id, d.event_id, e.type AS event_type, e.record_id, d.status, d.attempts,
                      d.last_status_code, d.last_error, d.next_attempt_at, d.created_at, d.delivered_at
                 FROM queued d JOIN webhook_events e ON e.id = d.event_id`,
      },
      [id],
    );
    return row ?? null;
  }

  /**
   * The queue's figures for the metrics: seconds since the oldest due delivery of an
   * enabled endpoint became due (0: none due), and how many endpoints are disabled.
   */
  async queueFigures(): Promise<{ oldest_due_age: number; disabled_endpoints: number }> {
    const [row] = await this.db.query<{ oldest_due_age: number; disabled_endpoints: number }>(
      {
        text: `SELECT coalesce((SELECT extract(epoch FROM now() - min(d.next_attempt_at))::float8
                                  FROM webhook_deliveries d
                                  JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled
                                 WHERE d.status = 'pending' AND d.next_attempt_at <= now()), 0) AS oldest_due_age,
                      (SELECT count(*)::int FROM webhook_endpoints WHERE NOT enabled) AS disabled_endpoints`,
      },
      [],
    );
    return { ...row, oldest_due_age: Math.max(0, row.oldest_due_age) };
  }
}
