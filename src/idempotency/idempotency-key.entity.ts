import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A row of `idempotency_keys`: in flight while response_status is NULL (until
 * locked_until), then the stored response until expires_at.
 */
@Entity('idempotency_keys')
@Index('idempotency_keys_expires_idx', ['expires_at'])
export class IdempotencyKeyEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'idempotency_keys_pkey' })
  scope: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'idempotency_keys_pkey' })
  key: string;

  @Column({ type: 'text' })
  fingerprint: string;

  @Column({ type: 'uuid' })
  claim: string;

  @Column({ type: 'timestamptz' })
  locked_until: Date;

  @Column({ type: 'integer', nullable: true })
  response_status: number | null;

  /** The response body exactly as first sent, so a replay sends the same bytes. */
  @Column({ type: 'text', nullable: true })
  response_body: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at: Date;

  @Column({ type: 'timestamptz' })
  expires_at: Date;
}
