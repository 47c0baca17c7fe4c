import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A row of `webhook_endpoints` (migrations/1765100000000-webhooks.ts). */
@Entity('webhook_endpoints')
@Check('webhook_endpoints_url_check', `char_length(url) BETWEEN 1 AND 2048`)
@Check('webhook_endpoints_events_check', `cardinality(events) > 0`)
@Index('webhook_endpoints_enabled_idx', ['id'], { where: 'enabled' })
export class WebhookEndpointEntity {
  @PrimaryColumn({
    type: 'uuid',
    default: () => 'gen_uuid_v7()',
    primaryKeyConstraintName: 'webhook_endpoints_pkey',
  })
  id: string;

  @Column({ type: 'text' })
  url: string;

  @Column({ type: 'text', array: true })
  events: string[];

  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  /** Sealed (secret-box.ts), never the secret itself. */
  @Column({ type: 'text' })
  secret: string;

  /** The secret before the last rotation, sealed; still signs until previous_secret_until. */
  @Column({ type: 'text', nullable: true })
  previous_secret: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  previous_secret_until: Date | null;

  /** Why the relay disabled it (a 410), or null. */
  @Column({ type: 'text', nullable: true })
  disabled_reason: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updated_at: Date;
}
