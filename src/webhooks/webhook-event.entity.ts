import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import type { WebhookEventType } from './webhook-event-type';

/**
 * A row of `webhook_events`, written by the fan-out trigger on record_events in the
 * same statement as the record change (migrations/1765100000000-webhooks.ts).
 */
@Entity('webhook_events')
@Check(
  'webhook_events_type_check',
  `type IN ('record.created', 'record.processed', 'record.failed', 'record.retried')`,
)
export class WebhookEventEntity {
  /** `evt_` + the record event's id: the webhook-id of every attempt. */
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'webhook_events_pkey' })
  id: string;

  @Column({ type: 'text' })
  type: WebhookEventType;

  @Column({ type: 'uuid' })
  record_id: string;

  @Column({ type: 'text', nullable: true })
  request_id: string | null;

  @Column({ type: 'timestamptz' })
  occurred_at: Date;

  /** The record right after the change, as the API shows it (json: keys keep their order). */
  @Column({ type: 'json' })
  data: unknown;
}
