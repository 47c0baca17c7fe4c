import { Injectable } from '@nestjs/common';
import { endOfInclusive, parseInstant } from '../common/iso-instant';
import { RequestValidationError } from '../common/problem';
import { RecordActivityRepository } from '../records/record-activity.repository';
import { SummaryQuery } from './dto/summary.query';
import { SummaryResponse } from './dto/summary.response';
import { TimeseriesQuery } from './dto/timeseries.query';
import { TimeseriesResponse } from './dto/timeseries.response';
import { RecordCountsRepository } from './record-counts.repository';
import { InstantRange, planSummary } from './summary-range';
import { bucketStarts, planTimeseries } from './timeseries-range';

/**
 * The instants records can have: PostgreSQL's dates run from 4713 BC, ISO's four-digit
 * years to 9999. A bound outside them excludes nothing, so it is left open.
 */
const EARLIEST = Date.UTC(1, 0, 1);
const LATEST = Date.UTC(10000, 0, 1);

/** date_from and date_to are inclusive; a bare date_to covers its whole UTC day. */
function rangeOf(query: SummaryQuery): InstantRange {
  const from = query.date_from ? parseInstant(query.date_from)?.at : undefined;
  const to = query.date_to ? parseInstant(query.date_to) : undefined;
  const end = to && endOfInclusive(to);
  return {
    from: from && from.getTime() > EARLIEST ? from : undefined,
    to: end && end.getTime() < LATEST ? end : undefined,
  };
}

@Injectable()
export class ReportsService {
  constructor(
    private readonly counts: RecordCountsRepository,
    private readonly activity: RecordActivityRepository,
  ) {}

  /** Exact counts that do not grow with the table (see RecordCountsRepository). */
  async summary(query: SummaryQuery): Promise<SummaryResponse> {
    const rows = await this.counts.countByStatusAndCategory(planSummary(rangeOf(query)), {
      category: query.category,
      source: query.source,
    });
    // Categories are client data: a map without a prototype, so "constructor" or
    // "__proto__" are plain keys like any other.
    const byCategory: Record<string, number> = Object.create(null) as Record<string, number>;
    const summary: SummaryResponse = {
      total_records: 0,
      by_status: { pending: 0, processed: 0, failed: 0 },
      by_category: byCategory,
    };
    for (const { status, category, n } of rows) {
      summary.total_records += n;
      summary.by_status[status] += n;
      byCategory[category] = (byCategory[category] ?? 0) + n;
    }
    return summary;
  }

  /**
   * Counts per bucket from the hourly rollup (see RecordActivityRepository): every
   * bucket the window overlaps, whole, oldest first, zeros included. date_from and
   * date_to are read as the summary reads them, so the answer's own window, given to
   * the summary, counts the same records as the points' `created`.
   */
  async timeseries(query: TimeseriesQuery, now = new Date()): Promise<TimeseriesResponse> {
    const to = query.date_to ? parseInstant(query.date_to) : undefined;
    const plan = planTimeseries(
      query.bucket ?? 'hour',
      {
        from: query.date_from ? parseInstant(query.date_from)?.at : undefined,
        end: to && endOfInclusive(to),
      },
      now,
    );
    if (plan.error) throw new RequestValidationError([plan.error]);
    const { window } = plan;
    const rows = await this.activity.perBucket(window.bucket, window.from, window.to, {
      category: query.category,
      source: query.source,
    });
    const byStart = new Map(rows.map((row) => [row.start.getTime(), row]));
    return {
      bucket: window.bucket,
      date_from: window.from.toISOString(),
      date_to: new Date(window.to.getTime() - 1).toISOString(),
      points: bucketStarts(window).map((start) => {
        const row = byStart.get(start.getTime());
        return {
          start: start.toISOString(),
          created: row?.created ?? 0,
          processed: row?.processed ?? 0,
          failed: row?.failed ?? 0,
          retried: row?.retried ?? 0,
        };
      }),
    };
  }
}
