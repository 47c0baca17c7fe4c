import { Injectable } from '@nestjs/common';
import { Database, NamedStatement } from '../database/database';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewEndpoint {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  sealedSecret: string;
}

export interface EndpointChanges {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
}

/** An endpoint with the outcome of its latest attempt (for the console and the list). */
export interface EndpointWithOutcome extends WebhookEndpointEntity {
  last_status: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
}

const LAST_OUTCOME = `
  LEFT JOIN LATERAL (
    SELECT d.status AS last_status, d.last_status_code, d.last_error, a.attempted_at AS last_attempt_at
      FROM webhook_deliveries d
      JOIN LATERAL (SELECT attempted_at FROM webhook_attempts
                     WHERE delivery_id = d.id ORDER BY id DESC LIMIT 1) a ON true
     WHERE d.endpoint_id = w.id
     ORDER BY a.attempted_at DESC LIMIT 1
  ) o ON true`;

const ENDPOINT_BY_ID: NamedStatement = {
  name: 'webhook-endpoint-by-id',
  text: `SELECT * FROM webhook_endpoints WHERE id = $1`,
};

/** Every statement on webhook_endpoints. */
@Injectable()
export class WebhookEndpointsRepository {
  constructor(private readonly db: Database) {}

  async create(endpoint: NewEndpoint): Promise<WebhookEndpointEntity> {
    const [created] = await this.db.query<WebhookEndpointEntity>(
      {
        text: `INSERT INTO webhook_endpoints (id, url, events, description, secret)
               VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      },
      [endpoint.id, endpoint.url, endpoint.events, endpoint.description, endpoint.sealedSecret],
    );
    return created;
  }

  async findById(id: string): Promise<WebhookEndpointEntity | null> {
    if (!UUID.test(id)) return null;
    const [endpoint] = await this.db.query<WebhookEndpointEntity>(ENDPOINT_BY_ID, [id]);
    return endpoint ?? null;
  }

  /** Every endpoint, oldest first, with its latest outcome. */
  list(): Promise<EndpointWithOutcome[]> {
    return this.db.query<EndpointWithOutcome>(
      { text: `SELECT w.*, o.* FROM webhook_endpoints w ${LAST_OUTCOME} ORDER BY w.id` },
      [],
    );
  }

  async findWithOutcome(id: string): Promise<EndpointWithOutcome | null> {
    if (!UUID.test(id)) return null;
    const [endpoint] = await this.db.query<EndpointWithOutcome>(
      { text: `SELECT w.*, o.* FROM webhook_endpoints w ${LAST_OUTCOME} WHERE w.id = $1` },
      [id],
    );
    return endpoint ?? null;
  }

  /** Applies the changes sent (an absent field stays); re-enabling clears the disable reason. */
  async update(id: string, changes: EndpointChanges): Promise<WebhookEndpointEntity | null> {
    if (!UUID.test(id)) return null;
    const [updated] = await this.db.query<WebhookEndpointEntity>(
      {
        text: `UPDATE webhook_endpoints SET
                 url = CASE WHEN $2::boolean THEN $3 ELSE url END,
                 events = CASE WHEN $4::boolean THEN $5::text[] ELSE events END,
                 description = CASE WHEN $6::boolean THEN $7 ELSE description END,
                 enabled = coalesce($8, enabled),
                 disabled_reason = CASE WHEN $8 THEN NULL ELSE disabled_reason END,
                 updated_at = now()
               WHERE id = $1 RETURNING *`,
      },
      [
        id,
        changes.url !== undefined,
        changes.url ?? null,
        changes.events !== undefined,
        changes.events ?? null,
        changes.description !== undefined,
        changes.description ?? null,
        changes.enabled ?? null,
      ],
    );
    return updated ?? null;
  }

  /**
   * The endpoint goes, with its pending deliveries (and every other delivery of it:
   * ON DELETE CASCADE); events no other endpoint needs stay until purged.
   */
  async delete(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    return (
      (await this.db.execute({ text: `DELETE FROM webhook_endpoints WHERE id = $1` }, [id])) > 0
    );
  }

  /** The new sealed secret; the current one becomes the previous, valid until `until`. */
  async rotateSecret(id: string, sealedSecret: string, until: Date): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const changed = await this.db.execute(
      {
        text: `UPDATE webhook_endpoints
                  SET previous_secret = secret, previous_secret_until = $3, secret = $2, updated_at = now()
                WHERE id = $1`,
      },
      [id, sealedSecret, until],
    );
    return changed > 0;
  }

  /**
   * A receiver answered 410 Gone: the endpoint is disabled and its pending deliveries
   * stop (failed, with the reason). True when this call disabled it.
   */
  async disableGone(id: string, reason: string): Promise<boolean> {
    const [row] = await this.db.query<{ disabled: boolean }>(
      {
        text: `WITH disabled AS (
                 UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, updated_at = now()
                  WHERE id = $1 AND enabled RETURNING id
               ), stopped AS (
                 UPDATE webhook_deliveries SET status = 'failed', lease = NULL, next_attempt_at = NULL,
                        last_error = $2
                  WHERE endpoint_id IN (SELECT id FROM disabled) AND status = 'pending'
               )
               SELECT count(*) > 0 AS disabled FROM disabled`,
      },
      [id, reason],
    );
    return row.disabled;
  }
}
