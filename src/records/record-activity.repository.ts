import { Injectable } from '@nestjs/common';
import { Conditions } from '../database/conditions';
import { Database } from '../database/database';
import { RecordFilter, whereFilter } from './records.repository';

/** What happened in one bucket (only buckets with activity are returned). */
export interface ActivityCount {
  start: Date;
  created: number;
  processed: number;
  failed: number;
  retried: number;
}

/**
 * Reads record_activity, the hourly rollup that statement-level triggers on records
 * and record_events keep exact in the same transaction as every write
 * (migrations/1765200000000-record-activity.ts). Each key is split into slots:
 * readers sum over them. Reads may be answered by a read replica.
 */
@Injectable()
export class RecordActivityRepository {
  constructor(private readonly db: Database) {}

  /**
   * Sums per `bucket` (UTC) over the hours in [from, to), which are bucket-aligned:
   * the rollup's rows, never the records.
   */
  async perBucket(
    bucket: 'hour' | 'day',
    from: Date,
    to: Date,
    filter: Omit<RecordFilter, 'status'>,
  ): Promise<ActivityCount[]> {
    const where = whereFilter(new Conditions(), filter)
      .where('hour', '>=', from)
      .where('hour', '<', to);
    const rows = await this.db.read<{
      start: Date;
      created: string;
      processed: string;
      failed: string;
      retried: string;
    }>(
      {
        text: `SELECT date_trunc(${where.param(bucket)}, hour, 'UTC') AS start,
                      sum(created) AS created, sum(processed) AS processed,
                      sum(failed) AS failed, sum(retried) AS retried
                 FROM record_activity ${where.sql}
                GROUP BY 1 ORDER BY 1`,
      },
      where.params,
    );
    return rows.map((row) => ({
      start: row.start,
      created: Number(row.created),
      processed: Number(row.processed),
      failed: Number(row.failed),
      retried: Number(row.retried),
    }));
  }
}
