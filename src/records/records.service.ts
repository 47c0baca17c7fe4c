import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidTransitionError, RecordNotFoundError } from '../common/domain-errors';
import { RequestContext } from '../common/request-context.decorator';
import { parseInstant } from '../common/iso-instant';
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
import { checkTransition, RecordAction } from './record-status';
import { RuleSet } from './rules/rule-set';
import { evaluate } from './rules/rules-engine';

export const RULE_SET = Symbol('RULE_SET');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SORT_COLUMNS = {
  created_at: 'created_at',
  status: 'status',
  category: 'category',
  source: 'source',
} as const;

@Injectable()
export class RecordsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(RULE_SET) private readonly ruleSet: RuleSet,
  ) {}

  /**
   * Inserts the record and its creation event in one statement; with an
   * Idempotency-Key, the stored response commits in the same transaction.
   */
  async create(dto: CreateRecordDto, context: RequestContext): Promise<RecordResponse> {
    const insert = async (manager: EntityManager) => {
      const [row] = await manager.query<RecordRow[]>(
        `WITH inserted AS (
           INSERT INTO records (source, category, payload) VALUES ($1, $2, $3)
           RETURNING ${RECORD_COLUMNS}
         ), creation AS (
           INSERT INTO record_events (record_id, from_status, to_status, attempt, request_id, at)
           SELECT id, NULL, status, 0, $4, created_at FROM inserted
         )
         SELECT * FROM inserted`,
        [dto.source, dto.category, JSON.stringify(dto.payload), context.requestId],
      );
      const record = toRecordResponse(row);
      await context.idempotency?.save(manager, record);
      return record;
    };
    return context.idempotency
      ? this.dataSource.transaction(insert)
      : insert(this.dataSource.manager);
  }

  async findOne(id: string): Promise<RecordResponse> {
    return toRecordResponse(await this.findRow(this.dataSource.manager, id));
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
    await this.findRow(this.dataSource.manager, id);
    const rows = await this.dataSource.query<RecordEventRow[]>(
      `SELECT id, record_id, from_status, to_status, at, request_id, error
         FROM record_events WHERE record_id = $1 ORDER BY at, id`,
      [id],
    );
    return rows.map(toRecordEventResponse);
  }

  process(id: string, context: RequestContext): Promise<RecordResponse> {
    return this.transitionById(id, 'process', context);
  }

  retry(id: string, context: RequestContext): Promise<RecordResponse> {
    return this.transitionById(id, 'retry', context);
  }

  /**
   * Claims up to `limit` pending records, oldest first, and processes each, in one
   * transaction. SKIP LOCKED lets any number of workers (in any instance) share the
   * queue: rows another transaction holds are passed over, never processed twice.
   */
  async processPendingBatch(limit: number, context: RequestContext): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<RecordRow[]>(
        `SELECT ${RECORD_COLUMNS} FROM records WHERE status = 'pending'
          ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      for (const row of rows) await this.transition(manager, row, 'process', context);
      return rows.length;
    });
  }

  /**
   * Exactly once: the row lock makes concurrent callers (from any instance) wait
   * here; the first commits its transition, the others then read the new status
   * and are refused by the state machine.
   */
  private transitionById(
    id: string,
    action: RecordAction,
    context: RequestContext,
  ): Promise<RecordResponse> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.findRow(manager, id, 'FOR UPDATE');
      const record = toRecordResponse(await this.transition(manager, row, action, context));
      await context.idempotency?.save(manager, record);
      return record;
    });
  }

  /**
   * The only code that changes a record's status. Runs inside the caller's
   * transaction, on a row it has locked: asks the state machine, runs the rules,
   * writes the record and its event in one statement.
   */
  private async transition(
    manager: EntityManager,
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

    // `AND status = $6` re-states the precondition; the unique index on
    // record_events (one exit from pending per attempt) backs it up.
    const [updated] = await manager.query<RecordRow[]>(
      `WITH updated AS (
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
      [
        row.id,
        next.status,
        next.classification,
        next.score,
        next.error,
        row.status,
        action === 'process' ? 1 : 0,
        context.requestId,
      ],
    );
    if (!updated) throw new InvalidTransitionError('Record changed concurrently');
    return updated;
  }

  private async findRow(manager: EntityManager, id: string, lock = ''): Promise<RecordRow> {
    // Not a UUID cannot name a record: answer 404 without asking PostgreSQL to cast it.
    if (!UUID.test(id)) throw new RecordNotFoundError(id);
    const [row] = await manager.query<RecordRow[]>(
      `SELECT ${RECORD_COLUMNS} FROM records WHERE id = $1 ${lock}`,
      [id],
    );
    if (!row) throw new RecordNotFoundError(id);
    return row;
  }
}
