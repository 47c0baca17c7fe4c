import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks, on a transactional outbox.
 *
 * - webhook_endpoints: where to send what (`events`), the signing secret(s),
 *   encrypted by the service (never stored in clear when WEBHOOK_SECRET_KEY is set).
 * - webhook_events: one row per record change that some endpoint subscribed to: the
 *   body's fields, with `data` the record as it was right after the change (json,
 *   not jsonb, so the keys keep the contract's order).
 * - webhook_deliveries: one per (event, endpoint), the relay's queue (status,
 *   next_attempt_at, the lease a relay holds while it posts).
 * - webhook_attempts: every POST tried, with its answer or error.
 *
 * The fan-out is a statement-level AFTER INSERT trigger on record_events: every
 * change of a record writes its record_events row in the same statement as the
 * change (create, batch create, process, retry, bulk retry, the worker), so the
 * webhook event and its deliveries commit or roll back with that change, whatever
 * path wrote it. With no enabled endpoint the trigger stops after one index probe.
 * A new delivery NOTIFYs `webhook_deliveries` (a wake-up hint for relays; polling
 * is the truth).
 */
export class Webhooks1765100000000 implements MigrationInterface {
  name = 'Webhooks1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_endpoints (
        id                     uuid PRIMARY KEY DEFAULT gen_uuid_v7(),
        url                    text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
        events                 text[] NOT NULL CHECK (cardinality(events) > 0),
        description            text,
        enabled                boolean NOT NULL DEFAULT true,
        secret                 text NOT NULL,
        previous_secret        text,
        previous_secret_until  timestamptz,
        disabled_reason        text,
        created_at             timestamptz NOT NULL DEFAULT now(),
        updated_at             timestamptz NOT NULL DEFAULT now()
      )
    `);
    await queryRunner.query(
      `CREATE INDEX webhook_endpoints_enabled_idx ON webhook_endpoints (id) WHERE enabled`,
    );
    await queryRunner.query(`
      CREATE TABLE webhook_events (
        id          text PRIMARY KEY,
        type        text NOT NULL CHECK (type IN ('record.created', 'record.processed', 'record.failed', 'record.retried')),
        record_id   uuid NOT NULL,
        request_id  text,
        occurred_at timestamptz NOT NULL,
        data        json NOT NULL
      )
    `);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        id               uuid PRIMARY KEY DEFAULT gen_uuid_v7(),
        endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id         text NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
        status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempts         integer NOT NULL DEFAULT 0,
        next_attempt_at  timestamptz,
        lease            uuid,
        last_attempt     boolean NOT NULL DEFAULT false,
        last_status_code integer,
        last_error       text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        delivered_at     timestamptz
      )
    `);
    // The relay's queue: only pending deliveries, by when they are due.
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending'`,
    );
    // An endpoint's deliveries, newest first (ids are UUIDv7: time-ordered).
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE webhook_attempts (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id  uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempted_at timestamptz NOT NULL,
        duration_ms  integer NOT NULL,
        status_code  integer,
        error        text
      )
    `);
    await queryRunner.query(
      `CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id)`,
    );

    // The record as the API shows it (RecordResponse), keys in the contract's order.
    const iso = (column: string) =>
      `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    await queryRunner.query(`
      CREATE FUNCTION webhook_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        fanned integer;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled) THEN
          RETURN NULL;
        END IF;
        WITH changes AS (
          SELECT 'evt_' || replace(n.id::text, '-', '') AS id,
                 CASE WHEN n.from_status IS NULL THEN 'record.created'
                      WHEN n.to_status = 'processed' THEN 'record.processed'
                      WHEN n.to_status = 'failed' THEN 'record.failed'
                      ELSE 'record.retried' END AS type,
                 n.record_id, n.request_id, n.at, n.seq
            FROM new_rows n
        ), wanted AS (
          SELECT c.*, w.id AS endpoint_id
            FROM changes c JOIN webhook_endpoints w ON w.enabled AND c.type = ANY (w.events)
        ), events AS (
          INSERT INTO webhook_events (id, type, record_id, request_id, occurred_at, data)
          SELECT c.id, c.type, c.record_id, c.request_id, c.at,
                 json_build_object(
                   'id', r.id, 'created_at', ${iso('r.created_at')},
                   'updated_at', ${iso('r.updated_at')}, 'processed_at', ${iso('r.processed_at')},
                   'status', r.status, 'source', r.source, 'category', r.category,
                   'payload', r.payload, 'classification', r.classification,
                   'score', r.score::text, 'error', r.error, 'attempts', r.attempts)
            FROM changes c JOIN records r ON r.id = c.record_id
           WHERE c.id IN (SELECT id FROM wanted)
           ORDER BY c.seq
        )
        INSERT INTO webhook_deliveries (endpoint_id, event_id, next_attempt_at)
        SELECT endpoint_id, id, clock_timestamp() FROM wanted ORDER BY seq, endpoint_id;
        GET DIAGNOSTICS fanned = ROW_COUNT;
        IF fanned > 0 THEN
          PERFORM pg_notify('webhook_deliveries', '');
        END IF;
        RETURN NULL;
      END $$
    `);
    await queryRunner.query(`
      CREATE TRIGGER webhook_fan_out AFTER INSERT ON record_events
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION webhook_fan_out()
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER webhook_fan_out ON record_events`);
    await queryRunner.query(`DROP FUNCTION webhook_fan_out()`);
    await queryRunner.query(`DROP TABLE webhook_attempts`);
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`DROP TABLE webhook_events`);
    await queryRunner.query(`DROP TABLE webhook_endpoints`);
  }
}
