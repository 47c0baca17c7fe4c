import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Pool, PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidTransitionError, RecordNotFoundError } from '../common/domain-errors';
import { RequestContext } from '../common/request-context.decorator';
import { parseInstant } from '../common/iso-instant';
import { clientOf, execute, poolOf, PreparedStatement } from '../database/prepared';
import { ProcessingOutcome, RecordMetrics } from '../metrics/record-metrics';
import { CreateRecordDto } from './dto/create-record.dto';
import { ListRecordsQuery } from './dto/list-records.query';
import { RecordEventResponse, RecordPageResponse, RecordResponse } from './dto/record.response';
import {
  RECORD_COLUMNS,
  RecordEventRow,
  RecordRow,
  toRecordEventResponse,
  toRecordResponse,
} from './record-row';
import { checkTransition, RecordAction, RecordStatus } from './record-status';
import { RuleSet } from './rules/rule-set';
import { evaluate } from './rules/rules-engine';

export const RULE_SET = Symbol('RULE_SET');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CREATE_RECORD: PreparedStatement = {
  name: 'create-record',
  text: `WITH inserted AS (
           INSERT INTO records (source, category, payload) VALUES ($1, $2, $3)
           RETURNING ${RECORD_COLUMNS}
         ), creation AS (
           INSERT INTO record_events (record_id, from_status, to_status, attempt, request_id, at)
           SELECT id, NULL, status, 0, $4, created_at FROM inserted
         )
         SELECT * FROM inserted`,
};

const RECORD_BY_ID: PreparedStatement = {
  name: 'record-by-id',
  text: `SELECT ${RECORD_COLUMNS} FROM records WHERE id = $1`,
};

// The row lock that makes processing exactly once (see transitionById).
const LOCK_RECORD: PreparedStatement = {
  name: 'lock-record',
  text: `SELECT ${RECORD_COLUMNS} FROM records WHERE id = $1 FOR UPDATE`,
};

// SKIP LOCKED lets any number of workers share the queue: rows another
// transaction holds are passed over, never processed twice.
const CLAIM_PENDING: PreparedStatement = {
  name: 'claim-pending',
  text: `SELECT ${RECORD_COLUMNS} FROM records WHERE status = 'pending'
          ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
};

// `AND status = $6` re-states the precondition read under the lock; the unique
// index on record_events (one exit from pending per attempt) backs it up.
const TRANSITION_RECORD: PreparedStatement = {
  name: 'transition-record',
  text: `WITH updated AS (
           UPDATE records
              SET status = $2, classification = $3, score = $4, error = $5,
                  processed_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END,
                  attempts = attempts + $7, updated_at = now()
            WHERE id = $1 AND status = $6
           RETURNING ${RECORD_COLUMNS}
         ), event AS (
           INSERT INTO record_events (record_id, from_status, to_status, attempt, request_id, error, at)
           SELECT id, $6, status, attempts, $8, error, updated_at FROM updated
         )
         SELECT * FROM updated`,
};

const RECORD_EVENTS: PreparedStatement = {
  name: 'record-events',
  text: `SELECT id, record_id, from_status, to_status, at, request_id, error
           FROM record_events WHERE record_id = $1 ORDER BY at, id`,
};

const SORT_COLUMNS = {
  created_at: 'created_at',
  status: 'status',
  category: 'category',
  source: 'source',
} as const;

@Injectable()
export class RecordsService {
  private readonly pool: Pool;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(RULE_SET) private readonly ruleSet: RuleSet,
    private readonly metrics: RecordMetrics,
  ) {
    this.pool = poolOf(dataSource);
  }

  /**
   * Inserts the record and its creation event in one statement; with an
   * Idempotency-Key, the stored response commits in the same transaction.
   */
  async create(dto: CreateRecordDto, context: RequestContext): Promise<RecordResponse> {
    const insert = async (client: PoolClient | Pool, manager?: EntityManager) => {
      const [row] = await execute<RecordRow>(client, CREATE_RECORD, [
        dto.source,
        dto.category,
        JSON.stringify(dto.payload),
        context.requestId,
      ]);
      const record = toRecordResponse(row);
      if (manager) await context.idempotency?.save(manager, record);
      return record;
    };
    const record = await (context.idempotency
      ? this.dataSource.transaction((manager) => insert(clientOf(manager), manager))
      : insert(this.pool));
    this.metrics.created();
    return record;
  }

  async findOne(id: string): Promise<RecordResponse> {
    return toRecordResponse(await this.findRow(this.pool, RECORD_BY_ID, id));
  }

  async list(query: ListRecordsQuery): Promise<RecordPageResponse> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (sql: string, value: unknown) => conditions.push(`${sql} $${params.push(value)}`);
    if (query.status) where('status =', query.status);
    if (query.category) where('category =', query.category);
    if (query.source) where('source =', query.source);
    const byTimeOnly = conditions.length;
    if (query.created_after) where('created_at >=', parseInstant(query.created_after)?.at);
    if (query.created_before) where('created_at <', parseInstant(query.created_before)?.at);
    const filter = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const direction = query.sort_order === 'asc' ? 'ASC' : 'DESC';
    // Ties are broken by id, so pages never overlap or skip.
    const order = `${SORT_COLUMNS[query.sort_by]} ${direction}, id ${direction}`;
    // Without a time window the total comes from the rollup kept by triggers,
    // which does not grow with the table; with one, it is counted.
    const countSql =
      byTimeOnly === conditions.length
        ? `SELECT coalesce(sum(n), 0)::int AS total FROM record_totals ${filter}`
        : `SELECT count(*)::int AS total FROM records ${filter}`;

    const [rows, [{ total }]] = await Promise.all([
      this.dataSource.query<RecordRow[]>(
        `SELECT ${RECORD_COLUMNS} FROM records ${filter} ORDER BY ${order}
         LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, query.limit, query.offset],
      ),
      this.dataSource.query<{ total: number }[]>(countSql, params),
    ]);
    return { items: rows.map(toRecordResponse), total, limit: query.limit, offset: query.offset };
  }

  async events(id: string): Promise<RecordEventResponse[]> {
    await this.findRow(this.pool, RECORD_BY_ID, id);
    const rows = await execute<RecordEventRow>(this.pool, RECORD_EVENTS, [id]);
    return rows.map(toRecordEventResponse);
  }

  process(id: string, context: RequestContext): Promise<RecordResponse> {
    return this.transitionById(id, 'process', context);
  }

  retry(id: string, context: RequestContext): Promise<RecordResponse> {
    return this.transitionById(id, 'retry', context);
  }

  /** Claims up to `limit` pending records, oldest first, and processes each, in one transaction. */
  async processPendingBatch(limit: number, context: RequestContext): Promise<number> {
    const outcomes = await this.dataSource.transaction(async (manager) => {
      const client = clientOf(manager);
      const rows = await execute<RecordRow>(client, CLAIM_PENDING, [limit]);
      const done: RecordStatus[] = [];
      for (const row of rows)
        done.push((await this.transition(client, row, 'process', context)).status);
      return done;
    });
    for (const status of outcomes) this.metrics.processed(status as ProcessingOutcome);
    return outcomes.length;
  }

  /**
   * Exactly once: the row lock makes concurrent callers (from any instance) wait
   * here; the first commits its transition, the others then read the new status
   * and are refused by the state machine.
   */
  private async transitionById(
    id: string,
    action: RecordAction,
    context: RequestContext,
  ): Promise<RecordResponse> {
    const record = await this.dataSource.transaction(async (manager) => {
      const client = clientOf(manager);
      const row = await this.findRow(client, LOCK_RECORD, id);
      const record = toRecordResponse(await this.transition(client, row, action, context));
      await context.idempotency?.save(manager, record);
      return record;
    });
    if (action === 'retry') this.metrics.retried();
    else this.metrics.processed(record.status as ProcessingOutcome);
    return record;
  }

  /**
   * The only code that changes a record's status. Runs inside the caller's
   * transaction, on a row it has locked: asks the state machine, runs the rules,
   * writes the record and its event in one statement.
   */
  private async transition(
    client: PoolClient,
    row: RecordRow,
    action: RecordAction,
    context: RequestContext,
  ): Promise<RecordRow> {
    const check = checkTransition(row.status, action);
    if (!check.allowed) throw new InvalidTransitionError(check.reason);

    let next: Pick<RecordRow, 'status' | 'classification' | 'score' | 'error'>;
    if (action === 'retry') {
      next = { status: 'pending', classification: null, score: null, error: null };
    } else {
      const verdict = evaluate(this.ruleSet, row.category, row.payload);
      next =
        verdict.outcome === 'classified'
          ? {
              status: 'processed',
              classification: verdict.classification,
              score: verdict.score,
              error: null,
            }
          : { status: 'failed', classification: null, score: null, error: verdict.error };
    }

    const [updated] = await execute<RecordRow>(client, TRANSITION_RECORD, [
      row.id,
      next.status,
      next.classification,
      next.score,
      next.error,
      row.status,
      action === 'process' ? 1 : 0,
      context.requestId,
    ]);
    if (!updated) throw new InvalidTransitionError('Record changed concurrently');
    return updated;
  }

  private async findRow(
    executor: Pool | PoolClient,
    statement: PreparedStatement,
    id: string,
  ): Promise<RecordRow> {
    // Not a UUID cannot name a record: answer 404 without asking PostgreSQL to cast it.
    if (!UUID.test(id)) throw new RecordNotFoundError(id);
    const [row] = await execute<RecordRow>(executor, statement, [id]);
    if (!row) throw new RecordNotFoundError(id);
    return row;
  }
}
