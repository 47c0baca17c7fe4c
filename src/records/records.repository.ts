import { Injectable } from '@nestjs/common';
import { Conditions } from '../database/conditions';
import { Database, NamedStatement, Transaction } from '../database/database';
import type { CursorKey } from './record-cursor';
import { RecordEventEntity } from './record-event.entity';
import { newRecordId } from './record-id';
import { RecordEntity } from './record.entity';
import { RecordStatus, Transition } from './record-status';

/** The records columns every statement returns, in the order of the contract. */
export const RECORD_COLUMNS = `id, created_at, updated_at, processed_at, status, source, category,
  payload, classification, score, error, attempts`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The record (its id made by the service: newRecordId) and its creation event, in one statement. */
export const CREATE_RECORD: NamedStatement = {
  name: 'create-record',
  text: `WITH inserted AS (
           INSERT INTO records (id, source, category, payload) VALUES ($1, $2, $3, $4)
           RETURNING ${RECORD_COLUMNS}
         ), creation AS (
           INSERT INTO record_events (record_id, from_status, to_status, attempt, request_id, at)
           SELECT id, NULL, status, 0, $5, created_at FROM inserted
         )
         SELECT * FROM inserted`,
};

/**
 * A batch of records and their creation events in one statement, whatever its size: the
 * rows arrive as parallel arrays (unnest), so the statement text and its plan are the same
 * for 1 record or 1000. Returned in request order (`n`); the rollup triggers, statement-level,
 * see the whole batch once.
 */
export const CREATE_RECORDS: NamedStatement = {
  name: 'create-records',
  text: `WITH input AS (
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])
                    WITH ORDINALITY AS i(id, source, category, payload, n)
         ), inserted AS (
           INSERT INTO records (id, source, category, payload)
           SELECT id, source, category, payload FROM input ORDER BY n
           RETURNING ${RECORD_COLUMNS}
         ), creation AS (
           INSERT INTO record_events (record_id, from_status, to_status, attempt, request_id, at)
           SELECT id, NULL, status, 0, $5, created_at FROM inserted
         )
         SELECT inserted.* FROM inserted JOIN input USING (id) ORDER BY input.n`,
};

export const RECORD_BY_ID: NamedStatement = {
  name: 'record-by-id',
  text: `SELECT ${RECORD_COLUMNS} FROM records WHERE id = $1`,
};

// The row lock that makes a transition exactly once: concurrent callers, from any
// instance, wait here until the holder commits, then read the status it left.
export const LOCK_RECORD: NamedStatement = {
  name: 'lock-record',
  text: `SELECT ${RECORD_COLUMNS} FROM records WHERE id = $1 FOR UPDATE`,
};

// The record and its event in one statement. `AND status = $6` restates the status
// read under the lock; the unique index on record_events (one exit from pending per
// attempt) backs it up. Times are taken now, after the lock was granted
// (clock_timestamp(), not the transaction's start), so later transitions carry later times.
export const APPLY_TRANSITION: NamedStatement = {
  name: 'apply-transition',
  text: `WITH updated AS (
           UPDATE records
              SET status = $2, classification = $3, score = $4, error = $5,
                  processed_at = CASE WHEN $2 = 'pending' THEN NULL ELSE t.at END,
                  attempts = attempts + $7, updated_at = t.at
             FROM (SELECT clock_timestamp() AS at) AS t
            WHERE id = $1 AND status = $6
           RETURNING ${RECORD_COLUMNS}
         ), event AS (
           INSERT INTO record_events (record_id, from_status, to_status, attempt, request_id, error, at)
           SELECT id, $6, status, attempts, $8, error, updated_at FROM updated
         )
         SELECT * FROM updated`,
};

export const RECORD_EVENTS: NamedStatement = {
  name: 'record-events',
  text: `SELECT id, record_id, from_status, to_status, at, request_id, error
           FROM record_events WHERE record_id = $1 ORDER BY seq`,
};

export interface NewRecord {
  source: string;
  category: string;
  payload: Record<string, unknown>;
}

/** Equality filters on records (and on their rollups). */
export interface RecordFilter {
  status?: string;
  category?: string;
  source?: string;
}

/** Which records a claim takes: a status, with the equality filters and a created range. */
export interface RecordClaimFilter extends RecordFilter {
  status: RecordStatus;
  createdFrom?: Date;
  createdBefore?: Date;
}

export interface RecordListQuery extends RecordFilter {
  createdFrom?: Date;
  createdBefore?: Date;
  sortBy: 'created_at' | 'status' | 'category' | 'source';
  sortOrder: 'asc' | 'desc';
  limit: number;
  offset: number;
  /** Keyset paging: only the rows after this one in the requested order. */
  after?: CursorKey;
}

/** A listed row, with its sort value as text: exact (microseconds for created_at), for a cursor. */
export type ListedRecord = RecordEntity & { sort_key: string };

/** Every statement on records and record_events. */
@Injectable()
export class RecordsRepository {
  constructor(private readonly db: Database) {}

  /** Inserts the record, under a new time-ordered id, with its creation event (caused by `requestId`). */
  async create(record: NewRecord, requestId: string, tx?: Transaction): Promise<RecordEntity> {
    const [created] = await this.db.query<RecordEntity>(
      CREATE_RECORD,
      [newRecordId(), record.source, record.category, JSON.stringify(record.payload), requestId],
      tx,
    );
    return created;
  }

  /** Inserts every record (new time-ordered ids, in order) with its creation event, in one statement. */
  createMany(records: NewRecord[], requestId: string, tx?: Transaction): Promise<RecordEntity[]> {
    return this.db.query<RecordEntity>(
      CREATE_RECORDS,
      [
        records.map(() => newRecordId()),
        records.map((record) => record.source),
        records.map((record) => record.category),
        records.map((record) => JSON.stringify(record.payload)),
        requestId,
      ],
      tx,
    );
  }

  /** Not a UUID names no record: null, without asking PostgreSQL to cast it. */
  async findById(id: string): Promise<RecordEntity | null> {
    if (!UUID.test(id)) return null;
    const [record] = await this.db.query<RecordEntity>(RECORD_BY_ID, [id]);
    return record ?? null;
  }

  /** The record, locked FOR UPDATE until `tx` ends (see LOCK_RECORD). */
  async lockById(id: string, tx: Transaction): Promise<RecordEntity | null> {
    if (!UUID.test(id)) return null;
    const [record] = await this.db.query<RecordEntity>(LOCK_RECORD, [id], tx);
    return record ?? null;
  }

  /**
   * Up to `limit` records matching `filter`, oldest first, locked until `tx` ends: the
   * worker's pending batch and bulk retry's failed records. SKIP LOCKED lets any number
   * of claimers (on any instance) share the rows without waiting: rows another
   * transaction holds are passed over, so none is claimed twice, and a single
   * process/retry waits at most for one row lock.
   */
  claim(filter: RecordClaimFilter, limit: number, tx: Transaction): Promise<RecordEntity[]> {
    const where = this.conditions(filter);
    return this.db.query<RecordEntity>(
      {
        text: `SELECT ${RECORD_COLUMNS} FROM records ${where.sql}
              ORDER BY created_at, id LIMIT ${where.param(limit)}
              FOR UPDATE SKIP LOCKED`,
      },
      where.params,
      tx,
    );
  }

  /** Writes `transition` of a record locked in `tx`, with its event; null if it was not in `from`. */
  async applyTransition(
    record: RecordEntity,
    transition: Transition,
    requestId: string,
    tx: Transaction,
  ): Promise<RecordEntity | null> {
    const [updated] = await this.db.query<RecordEntity>(
      APPLY_TRANSITION,
      [
        record.id,
        transition.status,
        transition.classification,
        transition.score,
        transition.error,
        record.status,
        transition.attempt,
        requestId,
      ],
      tx,
    );
    return updated ?? null;
  }

  /** A record's events in the order they were written (from a read replica when there is one). */
  events(recordId: string): Promise<RecordEventEntity[]> {
    return this.db.read<RecordEventEntity>(RECORD_EVENTS, [recordId]);
  }

  /**
   * One page (from a read replica when there is one); ties broken by id, so pages never
   * overlap or skip. After a cursor, a row comparison on (sort column, id), which the
   * (column, id) indexes answer by seeking: the same cost at any depth.
   */
  list(query: RecordListQuery): Promise<ListedRecord[]> {
    const { text, params } = this.listStatement(query);
    return this.db.read<ListedRecord>({ text }, params);
  }

  /** The statement list() runs (also for EXPLAIN in the tests). */
  listStatement(query: RecordListQuery): { text: string; params: unknown[] } {
    const where = this.conditions(query);
    const sort = SORT_COLUMNS[query.sortBy];
    const direction = query.sortOrder === 'asc' ? 'ASC' : 'DESC';
    if (query.after) {
      const value = `${where.param(query.after.value)}::${sort.type}`;
      const id = `${where.param(query.after.id)}::uuid`;
      where.raw(`(${sort.column}, id) ${direction === 'ASC' ? '>' : '<'} (${value}, ${id})`);
    }
    const text = `SELECT ${RECORD_COLUMNS}, ${sort.key} AS sort_key FROM records ${where.sql}
              ORDER BY ${sort.column} ${direction}, id ${direction}
              LIMIT ${where.param(query.limit)} OFFSET ${where.param(query.offset)}`;
    return { text, params: where.params };
  }

  /** How many records match, counted (the rollups cannot answer a time window); from a replica when there is one. */
  async count(
    query: Omit<RecordListQuery, 'sortBy' | 'sortOrder' | 'limit' | 'offset'>,
  ): Promise<number> {
    const where = this.conditions(query);
    const [{ total }] = await this.db.read<{ total: number }>(
      { text: `SELECT count(*)::int AS total FROM records ${where.sql}` },
      where.params,
    );
    return total;
  }

  private conditions(
    query: RecordFilter & { createdFrom?: Date; createdBefore?: Date },
  ): Conditions {
    return whereFilter(new Conditions(), query)
      .where('created_at', '>=', query.createdFrom)
      .where('created_at', '<', query.createdBefore);
  }
}

/** The equality filters, on records or on their rollups (the same column names). */
export const whereFilter = (conditions: Conditions, filter: RecordFilter): Conditions =>
  conditions
    .where('status', '=', filter.status)
    .where('category', '=', filter.category)
    .where('source', '=', filter.source);

/** Each sort: its column, its type, and its value as exact text (for a cursor). */
const SORT_COLUMNS = {
  created_at: {
    column: 'created_at',
    type: 'timestamptz',
    key: `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  },
  status: { column: 'status', type: 'text', key: 'status' },
  category: { column: 'category', type: 'text', key: 'category' },
  source: { column: 'source', type: 'text', key: 'source' },
} as const;
