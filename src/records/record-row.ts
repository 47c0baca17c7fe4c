import { RecordEventResponse, RecordResponse } from './dto/record.response';
import { RecordStatus } from './record-status';

/** The records columns every query returns, in the order of the contract. */
export const RECORD_COLUMNS = `id, created_at, updated_at, processed_at, status, source, category,
  payload, classification, score, error, attempts`;

/** A records row as node-postgres returns it. */
export interface RecordRow {
  id: string;
  created_at: Date;
  updated_at: Date;
  processed_at: Date | null;
  status: RecordStatus;
  source: string;
  category: string;
  payload: Record<string, unknown>;
  classification: string | null;
  /** numeric(3,2) arrives as a string such as "0.95". */
  score: string | null;
  error: string | null;
  attempts: number;
}

export interface RecordEventRow {
  id: string;
  record_id: string;
  from_status: RecordStatus | null;
  to_status: RecordStatus;
  at: Date;
  request_id: string | null;
  error: string | null;
}

export function toRecordResponse(row: RecordRow): RecordResponse {
  return {
    id: row.id,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    processed_at: row.processed_at?.toISOString() ?? null,
    status: row.status,
    source: row.source,
    category: row.category,
    payload: row.payload,
    classification: row.classification,
    score: row.score,
    error: row.error,
    attempts: row.attempts,
  };
}

export function toRecordEventResponse(row: RecordEventRow): RecordEventResponse {
  return {
    id: row.id,
    record_id: row.record_id,
    from_status: row.from_status,
    to_status: row.to_status,
    at: row.at.toISOString(),
    request_id: row.request_id,
    error: row.error,
  };
}
