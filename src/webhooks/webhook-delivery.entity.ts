import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { DeliveryStatus } from './webhook-event-type';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookEventEntity } from './webhook-event.entity';

/** A row of `webhook_deliveries`: one event for one endpoint, and the relay's queue. */
@Entity('webhook_deliveries')
@Check('webhook_deliveries_status_check', `status IN ('pending', 'succeeded', 'failed')`)
@Index('webhook_deliveries_due_idx', ['next_attempt_at'], { where: `status = 'pending'` })
@Index('webhook_deliveries_endpoint_idx', ['endpoint_id', 'id'])
@Index('webhook_deliveries_event_idx', ['event_id'])
export class WebhookDeliveryEntity {
  @PrimaryColumn({
    type: 'uuid',
    default: () => 'gen_uuid_v7()',
    primaryKeyConstraintName: 'webhook_deliveries_pkey',
  })
  id: string;

  @Column({ type: 'uuid' })
  endpoint_id: string;

  @ManyToOne(() => WebhookEndpointEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'endpoint_id',
    foreignKeyConstraintName: 'webhook_deliveries_endpoint_id_fkey',
  })
  endpoint?: WebhookEndpointEntity;

  @Column({ type: 'text' })
  event_id: string;

  @ManyToOne(() => WebhookEventEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'event_id', foreignKeyConstraintName: 'webhook_deliveries_event_id_fkey' })
  event?: WebhookEventEntity;

  @Column({ type: 'text', default: 'pending' })
  status: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** When it is due; while a relay posts it, the end of that relay's lease. */
  @Column({ type: 'timestamptz', nullable: true })
  next_attempt_at: Date | null;

  /** The claim of the relay posting it now (only that claim records the outcome). */
  @Column({ type: 'uuid', nullable: true })
  lease: string | null;

  /** A redelivery of a finished delivery: its next attempt is its last. */
  @Column({ type: 'boolean', default: false })
  last_attempt: boolean;

  @Column({ type: 'integer', nullable: true })
  last_status_code: number | null;

  @Column({ type: 'text', nullable: true })
  last_error: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  delivered_at: Date | null;
}
