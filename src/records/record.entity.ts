import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { RecordStatus } from './record-status';

/**
 * A row of `records`, as migrations/ build it (the migrations are the source of
 * truth; test/schema-drift.e2e-spec.ts checks this class agrees). Property names
 * are column names, so a row a raw statement returns is a RecordEntity.
 */
@Entity('records')
@Check('records_status_check', `status IN ('pending', 'processed', 'failed')`)
@Check('records_source_check', `char_length(source) BETWEEN 1 AND 64`)
@Check('records_category_check', `char_length(category) BETWEEN 1 AND 64`)
@Check('records_payload_check', `jsonb_typeof(payload) = 'object'`)
@Check('records_score_check', `score BETWEEN 0 AND 1`)
@Check('records_attempts_check', `attempts >= 0`)
// Cross-column: the outcome columns always agree with the status (full text in the migration).
@Check('records_outcome_matches_status', `status IS NOT NULL`)
@Index('records_status_category_created_idx', ['status', 'category', 'created_at', 'id'])
// TypeORM cannot express INCLUDE: kept as the migration builds it.
@Index('records_created_idx', { synchronize: false })
@Index('records_pending_idx', ['created_at', 'id'], { where: `status = 'pending'` })
@Index('records_status_id_idx', ['status', 'id'])
@Index('records_category_id_idx', ['category', 'id'])
@Index('records_source_id_idx', ['source', 'id'])
@Index('records_category_created_idx', ['category', 'created_at', 'id'])
@Index('records_pending_source_idx', ['source', 'created_at', 'id'], {
  where: `status = 'pending'`,
})
export class RecordEntity {
  // A UUIDv7: made by the service (newRecordId) or by the column default.
  @PrimaryColumn({
    type: 'uuid',
    default: () => 'gen_uuid_v7()',
    primaryKeyConstraintName: 'records_pkey',
  })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  created_at: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updated_at: Date;

  @Column({ type: 'timestamptz', nullable: true })
  processed_at: Date | null;

  @Column({ type: 'text', default: 'pending' })
  status: RecordStatus;

  @Column({ type: 'text' })
  source: string;

  @Column({ type: 'text' })
  category: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  classification: string | null;

  /** numeric(3,2) arrives as a string such as "0.95". */
  @Column({ type: 'numeric', precision: 3, scale: 2, nullable: true })
  score: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /**
   * The W3C trace context of the creating request (tracing on), null otherwise. Only
   * the worker's claim reads it (for its span's links): absent from other statements' rows.
   */
  @Column({ type: 'text', nullable: true })
  traceparent?: string | null;
}
