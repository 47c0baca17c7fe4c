import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InvalidTransitionError, RecordNotFoundError } from '../common/domain-errors';
import { RequestValidationError } from '../common/problem';
import { Environment } from '../config/environment';
import { RequestContext } from '../common/request-context.decorator';
import { BatchScope, currentTraceparent } from '../common/tracing';
import { Database, Transaction } from '../database/database';
import { ProcessingOutcome, RecordMetrics } from '../metrics/record-metrics';
import { RecordCountsRepository } from '../reports/record-counts.repository';
import { CreateRecordDto } from './dto/create-record.dto';
import { CreateRecordsBatchDto, RecordBatchResponse } from './dto/create-records-batch.dto';
import { toCreatedRangeCriteria } from './dto/created-range.filter';
import { ListRecordsQuery } from './dto/list-records.query';
import { RetryFailedDto, RetryFailedResponse } from './dto/retry-failed.dto';
import {
  RecordEventResponse,
  RecordPageResponse,
  RecordResponse,
  toRecordEventResponse,
  toRecordResponse,
} from './dto/record.response';
import { RecordEntity } from './record.entity';
import { CursorKey, RecordCursors } from './record-cursor';
import { decide, RecordAction } from './record-status';
import { RecordClaimFilter, RecordsRepository } from './records.repository';
import { RuleSet } from './rules/rule-set';

export const RULE_SET = Symbol('RULE_SET');

@Injectable()
export class RecordsService {
  constructor(
    private readonly db: Database,
    private readonly records: RecordsRepository,
    private readonly counts: RecordCountsRepository,
    @Inject(RULE_SET) private readonly ruleSet: RuleSet,
    private readonly metrics: RecordMetrics,
    config: ConfigService<Environment, true>,
  ) {
    this.cursors = new RecordCursors(config.get('CURSOR_SECRET', { infer: true }));
  }

  private readonly cursors: RecordCursors;

  /**
   * Inserts the record and its creation event in one statement (with the request's trace
   * context when tracing is on); with an Idempotency-Key, the stored response commits in
   * the same transaction.
   */
  async create(dto: CreateRecordDto, context: RequestContext): Promise<RecordResponse> {
    const { idempotency } = context;
    const traceparent = currentTraceparent();
    const record = idempotency
      ? await this.db.transaction(async (tx) => {
          const response = toRecordResponse(
            await this.records.create(dto, context.requestId, traceparent, tx),
          );
          await idempotency.save(tx, response);
          return response;
        })
      : toRecordResponse(await this.records.create(dto, context.requestId, traceparent));
    this.metrics.created();
    return record;
  }

  /**
   * The whole batch, records and creation events, in one statement: atomic by itself;
   * with an Idempotency-Key, the stored response commits in the same transaction.
   */
  async createBatch(
    dto: CreateRecordsBatchDto,
    context: RequestContext,
  ): Promise<RecordBatchResponse> {
    const { idempotency } = context;
    const traceparent = currentTraceparent();
    const created = async (tx?: Transaction): Promise<RecordBatchResponse> => ({
      items: (await this.records.createMany(dto.records, context.requestId, traceparent, tx)).map(
        toRecordResponse,
      ),
    });
    const response = idempotency
      ? await this.db.transaction(async (tx) => {
          const body = await created(tx);
          await idempotency.save(tx, body);
          return body;
        })
      : await created();
    this.metrics.created(response.items.length);
    return response;
  }

  async findOne(id: string): Promise<RecordResponse> {
    const record = await this.records.findById(id);
    if (!record) throw new RecordNotFoundError(id);
    return toRecordResponse(record);
  }

  /**
   * A page by offset or after a cursor, with the cursor of the next page when more items
   * follow (one row more than the page is read to know). A cursor is bound to the
   * filters and the sort (RecordCursors).
   */
  async list(query: ListRecordsQuery): Promise<RecordPageResponse> {
    const filter = { ...toCreatedRangeCriteria(query), status: query.status };
    const binding = RecordCursors.listBinding({
      ...filter,
      sortBy: query.sort_by,
      sortOrder: query.sort_order,
    });
    let after: CursorKey | undefined;
    if (query.cursor !== undefined) {
      if (query.offset !== 0) {
        throw new RequestValidationError([
          { field: 'cursor', message: 'cursor cannot be combined with a non-zero offset' },
        ]);
      }
      after = this.cursors.decode(query.cursor, binding);
    }
    // Without a time window the total comes from the rollups, which do not grow
    // with the table; with one, it is counted.
    const timeWindow = filter.createdFrom !== undefined || filter.createdBefore !== undefined;
    const [rows, total] = await Promise.all([
      this.records.list({
        ...filter,
        sortBy: query.sort_by,
        sortOrder: query.sort_order,
        limit: query.limit + 1,
        offset: query.offset,
        after,
      }),
      timeWindow ? this.records.count(filter) : this.counts.total(filter),
    ]);
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const next_cursor =
      rows.length > query.limit
        ? this.cursors.encode({ value: last.sort_key, id: last.id }, binding)
        : null;
    return {
      items: page.map(toRecordResponse),
      total,
      limit: query.limit,
      offset: query.offset,
      next_cursor,
    };
  }

  /**
   * A record has at least its creation event: when the replica has none (it lags, or the
   * record does not exist), the primary says whether the record exists and lists its events.
   */
  async events(id: string): Promise<RecordEventResponse[]> {
    let events = await this.records.events(id);
    if (events.length === 0) {
      await this.findOne(id);
      events = await this.records.events(id, 'primary');
    }
    return events.map(toRecordEventResponse);
  }

  process(id: string, context: RequestContext): Promise<RecordResponse> {
    return this.transition(id, 'process', context);
  }

  retry(id: string, context: RequestContext): Promise<RecordResponse> {
    return this.transition(id, 'retry', context);
  }

  /**
   * Exactly once: the row lock makes concurrent callers (from any instance) wait;
   * the first decides and writes its transition and commits, the others then read
   * the status it left and are refused. This method is the only way a record
   * changes status through the API.
   */
  private async transition(
    id: string,
    action: RecordAction,
    context: RequestContext,
  ): Promise<RecordResponse> {
    const record = await this.db.transaction(async (tx) => {
      const locked = await this.records.lockById(id, tx);
      if (!locked) throw new RecordNotFoundError(id);
      const decision = decide(locked, action, this.ruleSet);
      if (!decision.allowed) throw new InvalidTransitionError(decision.reason);
      const updated = await this.records.applyTransition(
        locked,
        decision.transition,
        context.requestId,
        tx,
      );
      // Unreachable while the lock is held; the statement restates the precondition anyway.
      if (!updated) throw new InvalidTransitionError('Record changed concurrently');
      const response = toRecordResponse(updated);
      await context.idempotency?.save(tx, response);
      return response;
    });
    if (action === 'retry') this.metrics.retried();
    else this.metrics.processed(record.status as ProcessingOutcome);
    return record;
  }

  /**
   * The worker's batch, set-based: one claim (pending records, fair between sources, SKIP
   * LOCKED so workers on every instance share the queue), the pure rules in Node, then one
   * statement writing every outcome with its event, in one transaction. Exactly once as a
   * single process is: the claim holds each row's lock until the commit, and the write
   * restates each row's status. `scope` (tracing) wraps the processing of a non-empty claim.
   */
  async processPendingBatch(
    limit: number,
    context: RequestContext,
    maxPerSource = 0,
    scope?: BatchScope,
  ): Promise<number> {
    const updated = await this.db.transaction(async (tx) =>
      this.transitionAll(
        await this.records.claimPendingFairly(limit, maxPerSource, tx),
        'process',
        context,
        tx,
        scope,
      ),
    );
    for (const record of updated) this.metrics.processed(record.status as ProcessingOutcome);
    return updated.length;
  }

  /**
   * Bulk retry: up to `limit` failed records matching `filter`, oldest first, back to
   * pending in one transaction, each with its event under this request's id. Records
   * another transaction holds (a concurrent bulk or single retry) are skipped, never
   * retried twice.
   */
  async retryFailed(dto: RetryFailedDto, context: RequestContext): Promise<RetryFailedResponse> {
    const filter = { ...toCreatedRangeCriteria(dto), status: 'failed' as const };
    const response = await this.db.transaction(async (tx) => {
      const updated = await this.transitionClaimed(filter, 'retry', dto.limit, context, tx);
      const body: RetryFailedResponse = {
        retried: updated.length,
        ids: updated.map((record) => record.id),
      };
      await context.idempotency?.save(tx, body);
      return body;
    });
    this.metrics.retried(response.retried);
    return response;
  }

  /** Claims records (see RecordsRepository.claim) and applies `action` to each, in `tx`. */
  private async transitionClaimed(
    filter: RecordClaimFilter,
    action: RecordAction,
    limit: number,
    context: RequestContext,
    tx: Transaction,
  ): Promise<RecordEntity[]> {
    return this.transitionAll(await this.records.claim(filter, limit, tx), action, context, tx);
  }

  /**
   * Decides `action` for each claimed record (pure rules), and writes them all in one
   * statement; `scope` (tracing) wraps the processing of a non-empty claim.
   */
  private transitionAll(
    claimed: RecordEntity[],
    action: RecordAction,
    context: RequestContext,
    tx: Transaction,
    scope?: BatchScope,
  ): Promise<RecordEntity[]> {
    const apply = () => {
      const changes = claimed.flatMap((record) => {
        const decision = decide(record, action, this.ruleSet);
        return decision.allowed ? [{ record, transition: decision.transition }] : [];
      });
      return this.records.applyTransitions(changes, context.requestId, tx);
    };
    return scope ? scope.around(claimed, apply) : apply();
  }
}
