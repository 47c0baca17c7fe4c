import { Injectable } from '@nestjs/common';
import { RequestValidationError } from '../common/problem';
import { MAX_STORED_PAYLOAD_BYTES, STORED_PAYLOAD_TOO_LARGE } from '../common/storable-json';
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

/**
 * The record (its id made by the service: newRecordId) and its creation event, in one
 * statement; $6 is the creating request's trace context (null when tracing is off). A
 * payload whose text as PostgreSQL prints it (what every read sends) is over
 * MAX_STORED_PAYLOAD_BYTES is not inserted: no row comes back.
 */
export const CREATE_RECORD: NamedStatement = {
  name: 'create-record',
  text: `WITH inserted AS (
           INSERT INTO records (id, source, category, payload, traceparent)
           SELECT $1::uuid, $2::text, $3::text, p.payload, $6::text FROM (SELECT $4::jsonb AS payload) AS p
            WHERE octet_length(p.payload::text) <= ${MAX_STORED_PAYLOAD_BYTES}
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
           INSERT INTO records (id, source, category, payload, traceparent)
           SELECT id, source, category, payload, $6 FROM input
            -- As for one record: nothing is inserted when any payload prints too large.
            WHERE NOT EXISTS (SELECT 1 FROM input
                               WHERE octet_length(payload::text) > ${MAX_STORED_PAYLOAD_BYTES})
            ORDER BY n
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

/**
 * The worker's claim, fair between sources: each source with pending records (found by a
 * skip scan of records_pending_source_idx, one probe per source) gives its oldest records,
 * at most its share of the batch while other sources wait (`$2` > 0 caps the share), all of
 * it when it waits alone; the batch is then the oldest of those. Locked FOR UPDATE SKIP
 * LOCKED, as claim() locks.
 */
export const CLAIM_PENDING_FAIRLY: NamedStatement = {
  name: 'claim-pending-fairly',
  text: `WITH RECURSIVE sources AS (
           (SELECT source FROM records WHERE status = 'pending' ORDER BY source LIMIT 1)
           UNION ALL
           SELECT (SELECT r.source FROM records r
                    WHERE r.status = 'pending' AND r.source > s.source
                    ORDER BY r.source LIMIT 1)
             FROM sources s WHERE s.source IS NOT NULL
         ), waiting AS (
           SELECT source, count(*) OVER () AS n FROM sources WHERE source IS NOT NULL
         )
         SELECT claimed.* FROM waiting w
         CROSS JOIN LATERAL (
           SELECT ${RECORD_COLUMNS}, traceparent FROM records r
            WHERE r.status = 'pending' AND r.source = w.source
            ORDER BY r.created_at, r.id
            LIMIT CASE WHEN w.n = 1 THEN $1::int
                       ELSE least(CASE WHEN $2::int > 0 THEN $2::int ELSE $1::int END,
                                  ceil($1::numeric / w.n)::int) END
            FOR UPDATE SKIP LOCKED
         ) AS claimed
         ORDER BY claimed.created_at, claimed.id
         LIMIT $1::int`,
};

/**
 * Many transitions of records locked in this transaction, each with its event, in one
 * statement: the outcomes (decided in Node by the pure rules) arrive as parallel arrays.
 * As in APPLY_TRANSITION, each row's status is restated (`from_status`), times are taken
 * after the locks were granted, and the event's attempt is the record's count after it.
 */
export const APPLY_TRANSITIONS: NamedStatement = {
  name: 'apply-transitions',
  text: `WITH input AS (
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::numeric[],
                                $6::text[], $7::int[])
                    AS i(record_id, from_status, to_status, outcome, outcome_score, reason, step)
         ), updated AS (
           UPDATE records
              SET status = i.to_status, classification = i.outcome, score = i.outcome_score,
                  error = i.reason, attempts = attempts + i.step, updated_at = t.at,
                  processed_at = CASE WHEN i.to_status = 'pending' THEN NULL ELSE t.at END
             FROM input AS i, (SELECT clock_timestamp() AS at) AS t
            WHERE id = i.record_id AND status = i.from_status
           RETURNING ${RECORD_COLUMNS}, i.from_status
         ), event AS (
           INSERT INTO record_events (record_id, from_status, to_status, attempt, request_id, error, at)
           SELECT id, from_status, status, attempts, $8, error, updated_at FROM updated
         )
         SELECT ${RECORD_COLUMNS} FROM updated ORDER BY created_at, id`,
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

/** The most records one claim takes (bulk retry's 1000, the worker's batch at most 1000). */
export const MAX_CLAIM = 1000;

/**
 * A claim's LIMIT, clamped in code whatever the caller validated: a positive integer up
 * to MAX_CLAIM, else 0. Never NULL, which PostgreSQL reads as no limit at all.
 */
export const claimLimit = (limit: unknown): number =>
  Number.isSafeInteger(limit) && (limit as number) > 0 ? Math.min(limit as number, MAX_CLAIM) : 0;

/** A listed row, with its sort value as text: exact (microseconds for created_at), for a cursor. */
export type ListedRecord = RecordEntity & { sort_key: string };

/** Every statement on records and record_events. */
@Injectable()
export class RecordsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Inserts the record, under a new time-ordered id, with its creation event (caused by
   * `requestId`, whose trace context is `traceparent` when tracing is on).
   */
  async create(
    record: NewRecord,
    requestId: string,
    traceparent: string | null,
    tx?: Transaction,
  ): Promise<RecordEntity> {
    const [created] = await this.db.query<RecordEntity>(
      CREATE_RECORD,
      [
        newRecordId(),
        record.source,
        record.category,
        JSON.stringify(record.payload),
        requestId,
        traceparent,
      ],
      tx,
    );
    if (!created) {
      throw new RequestValidationError([{ field: 'payload', message: STORED_PAYLOAD_TOO_LARGE }]);
    }
    return created;
  }

  /**
   * Inserts every record (new time-ordered ids, in order) with its creation event, in one
   * statement; `traceparent` as for create(). None is inserted when a payload would be
   * stored larger than MAX_STORED_PAYLOAD_BYTES, and the first such item is named.
   */
  async createMany(
    records: NewRecord[],
    requestId: string,
    traceparent: string | null,
    tx?: Transaction,
  ): Promise<RecordEntity[]> {
    const payloads = records.map((record) => JSON.stringify(record.payload));
    const created = await this.db.query<RecordEntity>(
      CREATE_RECORDS,
      [
        records.map(() => newRecordId()),
        records.map((record) => record.source),
        records.map((record) => record.category),
        payloads,
        requestId,
        traceparent,
      ],
      tx,
    );
    if (created.length === records.length) return created;
    const [oversized] = await this.db.query<{ n: string }>(
      {
        name: 'oversized-payload',
        text: `SELECT n - 1 AS n FROM unnest($1::jsonb[]) WITH ORDINALITY AS i(payload, n)
                WHERE octet_length(payload::text) > ${MAX_STORED_PAYLOAD_BYTES} ORDER BY n LIMIT 1`,
      },
      [payloads],
      tx,
    );
    throw new RequestValidationError([
      { field: `records[${oversized?.n ?? 0}].payload`, message: STORED_PAYLOAD_TOO_LARGE },
    ]);
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
   * process/retry waits at most for one row lock. Each row also carries the record's
   * `traceparent` (what the worker's span links to).
   */
  claim(filter: RecordClaimFilter, limit: number, tx: Transaction): Promise<RecordEntity[]> {
    const where = this.conditions(filter);
    return this.db.query<RecordEntity>(
      {
        text: `SELECT ${RECORD_COLUMNS}, traceparent FROM records ${where.sql}
              ORDER BY created_at, id LIMIT ${where.param(claimLimit(limit))}::int
              FOR UPDATE SKIP LOCKED`,
      },
      where.params,
      tx,
    );
  }

  /** The worker's batch, fair between sources (see CLAIM_PENDING_FAIRLY), locked until `tx` ends. */
  claimPendingFairly(
    limit: number,
    maxPerSource: number,
    tx: Transaction,
  ): Promise<RecordEntity[]> {
    return this.db.query<RecordEntity>(CLAIM_PENDING_FAIRLY, [limit, maxPerSource], tx);
  }

  /**
   * Writes each transition of records locked in `tx`, with its event, in one statement;
   * the records changed (one not in its `from` status is left out), oldest first.
   */
  async applyTransitions(
    changes: { record: RecordEntity; transition: Transition }[],
    requestId: string,
    tx: Transaction,
  ): Promise<RecordEntity[]> {
    if (changes.length === 0) return [];
    return this.db.query<RecordEntity>(
      APPLY_TRANSITIONS,
      [
        changes.map(({ record }) => record.id),
        changes.map(({ record }) => record.status),
        changes.map(({ transition }) => transition.status),
        changes.map(({ transition }) => transition.classification),
        changes.map(({ transition }) => transition.score),
        changes.map(({ transition }) => transition.error),
        changes.map(({ transition }) => transition.attempt),
        requestId,
      ],
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

  /**
   * A record's events in the order they were written, from a read replica when there is
   * one (`from: 'primary'`: from the primary). None for an id that is not a UUID.
   */
  async events(recordId: string, from: 'any' | 'primary' = 'any'): Promise<RecordEventEntity[]> {
    if (!UUID.test(recordId)) return [];
    return this.db.read<RecordEventEntity>(RECORD_EVENTS, [recordId], from);
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
