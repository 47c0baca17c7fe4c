import { Injectable } from '@nestjs/common';
import { Conditions } from '../database/conditions';
import { Database } from '../database/database';
import { RecordFilter, whereFilter } from '../records/records.repository';
import type { RecordStatus } from '../records/record-status';
import { SummaryPlan } from './summary-range';

export interface StatusCategoryCount {
  status: RecordStatus;
  category: string;
  n: number;
}

/**
 * Reads the rollups (record_counts by day, record_totals for all time) that
 * statement-level triggers keep exact in the same transaction as every write to
 * records (migrations/1764200000000-record-counts.ts). Each key is split into
 * slots: readers sum over them. Every read here may be answered by a read replica.
 */
@Injectable()
export class RecordCountsRepository {
  constructor(private readonly db: Database) {}

  /** How many records match, from record_totals: its size does not grow with the table. */
  async total(filter: RecordFilter): Promise<number> {
    const where = whereFilter(new Conditions(), filter);
    const [{ total }] = await this.db.read<{ total: number }>(
      { text: `SELECT coalesce(sum(n), 0)::int AS total FROM record_totals ${where.sql}` },
      where.params,
    );
    return total;
  }

  /**
   * Counts by status and category over a plan's range: whole days from the
   * rollups, the partial days at its ends counted from records.
   */
  async countByStatusAndCategory(
    plan: SummaryPlan,
    filter: Omit<RecordFilter, 'status'>,
  ): Promise<StatusCategoryCount[]> {
    const all = new Conditions();
    const parts: string[] = [];
    if (plan.days && !plan.days.from && !plan.days.to) {
      parts.push(
        `SELECT status, category, n FROM record_totals ${whereFilter(all.scope(), filter).sql}`,
      );
    } else if (plan.days) {
      const days = all.scope().where('day', '>=', plan.days.from).where('day', '<', plan.days.to);
      parts.push(`SELECT status, category, n FROM record_counts ${whereFilter(days, filter).sql}`);
    }
    for (const { from, to } of plan.live) {
      const live = all.scope().where('created_at', '>=', from).where('created_at', '<', to);
      parts.push(
        `SELECT status, category, count(*) AS n FROM records ${whereFilter(live, filter).sql}
          GROUP BY status, category`,
      );
    }
    const rows = await this.db.read<{ status: RecordStatus; category: string; n: string }>(
      {
        text: `SELECT status, category, sum(n) AS n FROM (${parts.join(' UNION ALL ')}) AS counts
                GROUP BY status, category HAVING sum(n) <> 0`,
      },
      all.params,
    );
    return rows.map((row) => ({ status: row.status, category: row.category, n: Number(row.n) }));
  }
}
