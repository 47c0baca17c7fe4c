import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { RecordEntity } from './record.entity';
import type { RecordStatus } from './record-status';

/** A row of `record_events`: a record's creation or one of its transitions. */
@Entity('record_events')
@Check('record_events_from_status_check', `from_status IN ('pending', 'processed', 'failed')`)
@Check('record_events_to_status_check', `to_status IN ('pending', 'processed', 'failed')`)
@Index('record_events_record_seq_idx', ['record_id', 'seq'])
// Exactly once, enforced by the database: one creation, one exit from pending per attempt.
@Index('record_events_one_creation', ['record_id'], { unique: true, where: 'from_status IS NULL' })
@Index('record_events_one_exit_per_attempt', ['record_id', 'attempt'], {
  unique: true,
  where: `from_status = 'pending'`,
})
export class RecordEventEntity {
  // A UUIDv7: made by the service (newRecordId) or by the column default.
  @PrimaryColumn({
    type: 'uuid',
    default: () => 'gen_uuid_v7()',
    primaryKeyConstraintName: 'record_events_pkey',
  })
  id: string;

  @Column({ type: 'uuid' })
  record_id: string;

  @ManyToOne(() => RecordEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'record_id', foreignKeyConstraintName: 'record_events_record_id_fkey' })
  record?: RecordEntity;

  @Column({ type: 'text', nullable: true })
  from_status: RecordStatus | null;

  @Column({ type: 'text' })
  to_status: RecordStatus;

  @Column({ type: 'integer' })
  attempt: number;

  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' })
  at: Date;

  @Column({ type: 'text', nullable: true })
  request_id: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** The order events were written in (an identity column): what the history lists by. */
  @Column({ type: 'bigint', generated: 'identity', generatedIdentity: 'ALWAYS' })
  seq: string;
}
