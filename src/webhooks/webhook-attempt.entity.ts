import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';

/** A row of `webhook_attempts`: one POST of a delivery, with its answer or error. */
@Entity('webhook_attempts')
@Index('webhook_attempts_delivery_idx', ['delivery_id', 'id'])
export class WebhookAttemptEntity {
  @PrimaryColumn({
    type: 'bigint',
    generated: 'identity',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'webhook_attempts_pkey',
  })
  id: string;

  @Column({ type: 'uuid' })
  delivery_id: string;

  @ManyToOne(() => WebhookDeliveryEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'delivery_id',
    foreignKeyConstraintName: 'webhook_attempts_delivery_id_fkey',
  })
  delivery?: WebhookDeliveryEntity;

  @Column({ type: 'timestamptz' })
  attempted_at: Date;

  @Column({ type: 'integer' })
  duration_ms: number;

  @Column({ type: 'integer', nullable: true })
  status_code: number | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;
}
