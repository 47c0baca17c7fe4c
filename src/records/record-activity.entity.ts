import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Hourly activity by category and source, the rollup GET /reports/timeseries reads:
 * records created, and transitions into processed and failed and retries, by the
 * hour they happened in. Kept exact by statement-level triggers on records and
 * record_events (migrations/1765200000000-record-activity.ts; TypeORM cannot express
 * triggers). Each key is split into slots, as record_counts is; readers sum over them.
 */
@Entity('record_activity')
export class RecordActivityEntity {
  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'record_activity_pkey' })
  hour: Date;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'record_activity_pkey' })
  category: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'record_activity_pkey' })
  source: string;

  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'record_activity_pkey' })
  slot: number;

  @Column({ type: 'bigint', default: 0 })
  created: string;

  @Column({ type: 'bigint', default: 0 })
  processed: string;

  @Column({ type: 'bigint', default: 0 })
  failed: string;

  @Column({ type: 'bigint', default: 0 })
  retried: string;
}
