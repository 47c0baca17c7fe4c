import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RecordStatus } from '../records/record-status';
import { SummaryQuery } from './dto/summary.query';
import { SummaryResponse } from './dto/summary.response';

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

@Injectable()
export class ReportsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async summary(query: SummaryQuery): Promise<SummaryResponse> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replaceAll('?', `$${params.length}`));
    };
    if (query.category) where('category = ?', query.category);
    if (query.source) where('source = ?', query.source);
    if (query.date_from) where('created_at >= ?::timestamptz', query.date_from);
    if (query.date_to) {
      // Inclusive: a bare date covers its whole day.
      if (BARE_DATE.test(query.date_to)) where(`created_at < ?::date + 1`, query.date_to);
      else where('created_at <= ?::timestamptz', query.date_to);
    }
    const filter = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = await this.dataSource.query<
      { status: RecordStatus; category: string; n: number }[]
    >(
      `SELECT status, category, count(*)::int AS n FROM records ${filter} GROUP BY status, category`,
      params,
    );

    const summary: SummaryResponse = {
      total_records: 0,
      by_status: { pending: 0, processed: 0, failed: 0 },
      by_category: {},
    };
    for (const { status, category, n } of rows) {
      summary.total_records += n;
      summary.by_status[status] += n;
      summary.by_category[category] = (summary.by_category[category] ?? 0) + n;
    }
    return summary;
  }
}
