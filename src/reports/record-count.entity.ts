import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The rollups the summary and list totals read, kept exact by statement-level
 * triggers on records (migrations/1764200000000-record-counts.ts; TypeORM cannot
 * express triggers). Each key is split into slots; readers sum over them.
 */
@Entity('record_counts')
export class RecordCountEntity {
  @PrimaryColumn({ type: 'date', primaryKeyConstraintName: 'record_counts_pkey' })
  day: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'record_counts_pkey' })
  category: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'record_counts_pkey' })
  source: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'record_counts_pkey' })
  status: string;

  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'record_counts_pkey' })
  slot: number;

  @Column({ type: 'bigint' })
  n: string;
}

/** record_counts without the day: all-time counts. */
@Entity('record_totals')
export class RecordTotalEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'record_totals_pkey' })
  category: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'record_totals_pkey' })
  source: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'record_totals_pkey' })
  status: string;

  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'record_totals_pkey' })
  slot: number;

  @Column({ type: 'bigint' })
  n: string;
}
