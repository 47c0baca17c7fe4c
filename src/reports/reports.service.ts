import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { parseInstant } from '../common/iso-instant';
import { RecordStatus } from '../records/record-status';
import { SummaryQuery } from './dto/summary.query';
import { SummaryResponse } from './dto/summary.response';
import { InstantRange, planSummary } from './summary-range';

const DAY_MS = 86_400_000;

/** date_from and date_to are inclusive; a bare date_to covers its whole UTC day. */
function rangeOf(query: SummaryQuery): InstantRange {
  const from = query.date_from ? parseInstant(query.date_from) : undefined;
  const to = query.date_to ? parseInstant(query.date_to) : undefined;
  return {
    from: from?.at,
    to: to && new Date(to.at.getTime() + (to.dateOnly ? DAY_MS : 1)),
  };
}

@Injectable()
export class ReportsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Exact counts that do not grow with the table: whole days (or all time) come
   * from the rollups kept by triggers (migrations/1764200000000-record-counts.ts);
   * only the partial days at the ends of a range are counted from records.
   */
  async summary(query: SummaryQuery): Promise<SummaryResponse> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    const filters = (): string[] => [
      ...(query.category ? [`category = ${param(query.category)}`] : []),
      ...(query.source ? [`source = ${param(query.source)}`] : []),
    ];
    const where = (conditions: string[]) =>
      conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';

    const plan = planSummary(rangeOf(query));
    const parts: string[] = [];
    if (plan.days && !plan.days.from && !plan.days.to) {
      parts.push(`SELECT status, category, n FROM record_totals ${where(filters())}`);
    } else if (plan.days) {
      const days = [
        ...(plan.days.from ? [`day >= ${param(plan.days.from)}`] : []),
        ...(plan.days.to ? [`day < ${param(plan.days.to)}`] : []),
      ];
      parts.push(`SELECT status, category, n FROM record_counts ${where([...days, ...filters()])}`);
    }
    for (const { from, to } of plan.live) {
      const bounds = [
        ...(from ? [`created_at >= ${param(from)}`] : []),
        ...(to ? [`created_at < ${param(to)}`] : []),
      ];
      parts.push(
        `SELECT status, category, count(*) AS n FROM records ${where([...bounds, ...filters()])} GROUP BY status, category`,
      );
    }
    const rows = await this.dataSource.query<
      { status: RecordStatus; category: string; n: string }[]
    >(
      `SELECT status, category, sum(n) AS n FROM (${parts.join(' UNION ALL ')}) AS counts
        GROUP BY status, category HAVING sum(n) <> 0`,
      params,
    );

    const summary: SummaryResponse = {
      total_records: 0,
      by_status: { pending: 0, processed: 0, failed: 0 },
      by_category: {},
    };
    for (const row of rows) {
      const n = Number(row.n);
      summary.total_records += n;
      summary.by_status[row.status] += n;
      summary.by_category[row.category] = (summary.by_category[row.category] ?? 0) + n;
    }
    return summary;
  }
}
