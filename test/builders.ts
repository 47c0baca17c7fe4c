import { Database } from '../src/database/database';
import { RecordEntity } from '../src/records/record.entity';
import { RecordStatus, Transition } from '../src/records/record-status';
import { RecordsRepository } from '../src/records/records.repository';
import { TestApp } from './app';

/** A valid POST /records body; override any part. */
export function aRecordBody(
  overrides: Partial<{ source: unknown; category: unknown; payload: unknown }> = {},
) {
  return {
    source: 'api',
    category: 'order',
    payload: { order_id: '12345', amount: 99.99 },
    ...overrides,
  };
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const GENERATED_REQUEST_ID = /^req_[A-Za-z0-9_-]{16,}$/;
export const MISSING_ID = '00000000-0000-4000-8000-000000000000';

/** The contract's error body (also RFC 9457), for whole-body assertions. */
export function problem(
  status: number,
  error: string,
  message: string,
  instance: string,
  type: string,
) {
  return {
    type: `/problems/${type}`,
    title: expect.any(String),
    status,
    detail: message,
    instance,
    error,
    message,
    request_id: expect.stringMatching(/^.{1,128}$/),
  };
}

export interface RecordSeed {
  source?: string;
  category?: string;
  payload?: Record<string, unknown>;
  status?: RecordStatus;
  /** Backdates the record (and its creation event). */
  created_at?: string;
}

/**
 * Persists a record the way the service does, through its repository: with its
 * creation event, and, for a processed or failed one, the transition and its event.
 */
export async function seedRecord(t: TestApp, seed: RecordSeed = {}): Promise<RecordEntity> {
  const records = t.app.get(RecordsRepository);
  const database = t.app.get(Database);
  const { source = 'api', category = 'order', payload = {} } = seed;
  let record = await records.create({ source, category, payload }, 'req_seeded_record_0001', null);
  if (seed.created_at) {
    [record] = await database.query<RecordEntity>(
      {
        text: `WITH backdated AS (
                 UPDATE records SET created_at = $2, updated_at = $2 WHERE id = $1 RETURNING *
               ), event AS (
                 UPDATE record_events SET at = $2 WHERE record_id = $1
               )
               SELECT * FROM backdated`,
      },
      [record.id, seed.created_at],
    );
  }
  if (seed.status === 'processed' || seed.status === 'failed') {
    const outcome: Transition =
      seed.status === 'processed'
        ? { status: 'processed', classification: 'seeded', score: '0.50', error: null, attempt: 1 }
        : {
            status: 'failed',
            classification: null,
            score: null,
            error: 'seeded failure',
            attempt: 1,
          };
    record = await database.transaction(async (tx) => {
      const locked = (await records.lockById(record.id, tx))!;
      return (await records.applyTransition(locked, outcome, 'req_seeded_record_0001', tx))!;
    });
  }
  return record;
}
