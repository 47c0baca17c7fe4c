import { Inject, Injectable } from '@nestjs/common';
import { InvalidTransitionError, RecordNotFoundError } from '../common/domain-errors';
import { parseInstant } from '../common/iso-instant';
import { RequestContext } from '../common/request-context.decorator';
import { Database } from '../database/database';
import { ProcessingOutcome, RecordMetrics } from '../metrics/record-metrics';
import { RecordCountsRepository } from '../reports/record-counts.repository';
import { CreateRecordDto } from './dto/create-record.dto';
import { ListRecordsQuery } from './dto/list-records.query';
import {
  RecordEventResponse,
  RecordPageResponse,
  RecordResponse,
  toRecordEventResponse,
  toRecordResponse,
} from './dto/record.response';
import { decide, RecordAction, RecordStatus } from './record-status';
import { RecordsRepository } from './records.repository';
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
  ) {}

  /**
   * Inserts the record and its creation event in one statement; with an
   * Idempotency-Key, the stored response commits in the same transaction.
   */
  async create(dto: CreateRecordDto, context: RequestContext): Promise<RecordResponse> {
    const { idempotency } = context;
    const record = idempotency
      ? await this.db.transaction(async (tx) => {
          const response = toRecordResponse(await this.records.create(dto, context.requestId, tx));
          await idempotency.save(tx, response);
          return response;
        })
      : toRecordResponse(await this.records.create(dto, context.requestId));
    this.metrics.created();
    return record;
  }

  async findOne(id: string): Promise<RecordResponse> {
    const record = await this.records.findById(id);
    if (!record) throw new RecordNotFoundError(id);
    return toRecordResponse(record);
  }

  async list(query: ListRecordsQuery): Promise<RecordPageResponse> {
    const filter = {
      status: query.status,
      category: query.category,
      source: query.source,
      createdFrom: query.created_after ? parseInstant(query.created_after)?.at : undefined,
      createdBefore: query.created_before ? parseInstant(query.created_before)?.at : undefined,
    };
    // Without a time window the total comes from the rollups, which do not grow
    // with the table; with one, it is counted.
    const timeWindow = filter.createdFrom !== undefined || filter.createdBefore !== undefined;
    const [items, total] = await Promise.all([
      this.records.list({
        ...filter,
        sortBy: query.sort_by,
        sortOrder: query.sort_order,
        limit: query.limit,
        offset: query.offset,
      }),
      timeWindow ? this.records.count(filter) : this.counts.total(filter),
    ]);
    return { items: items.map(toRecordResponse), total, limit: query.limit, offset: query.offset };
  }

  async events(id: string): Promise<RecordEventResponse[]> {
    await this.findOne(id);
    return (await this.records.events(id)).map(toRecordEventResponse);
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
   * The worker's batch: claims up to `limit` pending records (SKIP LOCKED, so
   * workers on every instance share the queue) and processes each as above, in
   * one transaction.
   */
  async processPendingBatch(limit: number, context: RequestContext): Promise<number> {
    const outcomes = await this.db.transaction(async (tx) => {
      const done: RecordStatus[] = [];
      for (const claimed of await this.records.claimPending(limit, tx)) {
        const decision = decide(claimed, 'process', this.ruleSet);
        if (!decision.allowed) continue;
        const updated = await this.records.applyTransition(
          claimed,
          decision.transition,
          context.requestId,
          tx,
        );
        if (updated) done.push(updated.status);
      }
      return done;
    });
    for (const status of outcomes) this.metrics.processed(status as ProcessingOutcome);
    return outcomes.length;
  }
}
