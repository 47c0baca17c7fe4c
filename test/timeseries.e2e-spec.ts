import request from 'supertest';
import { RecordStatus } from '../src/records/record-status';
import { useTestApp } from './app';
import { aRecordBody, problem, seedRecord } from './builders';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Point {
  start: string;
  created: number;
  processed: number;
  failed: number;
  retried: number;
}

const zero = (start: number): Point => ({
  start: new Date(start).toISOString(),
  created: 0,
  processed: 0,
  failed: 0,
  retried: 0,
});

describe('GET /reports/timeseries (e2e)', () => {
  const t = useTestApp();

  const timeseries = async (query: Record<string, string> = {}) =>
    (await request(t.http).get('/reports/timeseries').query(query).expect(200)).body as {
      bucket: string;
      date_from: string;
      date_to: string;
      points: Point[];
    };

  /**
   * What the records and their events say, counted live, in the answer's shape: the
   * truth the rollup must equal, bucket by bucket.
   */
  async function countedLive(
    bucket: 'hour' | 'day',
    from: string,
    to: string,
    filter: { category?: string; source?: string } = {},
  ): Promise<Point[]> {
    const rows: {
      start: Date;
      created: number;
      processed: number;
      failed: number;
      retried: number;
    }[] = await t.db.query(
      `WITH activity AS (
           SELECT created_at AS at, category, source, 1 AS created, 0 AS processed, 0 AS failed, 0 AS retried
             FROM records
           UNION ALL
           SELECT e.at, r.category, r.source, 0,
                  (e.from_status = 'pending' AND e.to_status = 'processed')::int,
                  (e.from_status = 'pending' AND e.to_status = 'failed')::int,
                  (e.from_status = 'failed' AND e.to_status = 'pending')::int
             FROM record_events e JOIN records r ON r.id = e.record_id
         )
         SELECT g AS start, coalesce(sum(created), 0)::int AS created,
                coalesce(sum(processed), 0)::int AS processed,
                coalesce(sum(failed), 0)::int AS failed, coalesce(sum(retried), 0)::int AS retried
           FROM generate_series($2::timestamptz, $3::timestamptz, ('1 ' || $1)::interval) AS g
           LEFT JOIN activity a ON a.at >= g AND a.at < g + ('1 ' || $1)::interval
                AND ($4::text IS NULL OR a.category = $4) AND ($5::text IS NULL OR a.source = $5)
          GROUP BY g ORDER BY g`,
      [bucket, from, to, filter.category ?? null, filter.source ?? null],
    );
    return rows.map((row) => ({ ...row, start: row.start.toISOString() }));
  }

  /** Seeds a record created at `created_at`, its transition (if any) backdated to `settled_at`. */
  async function seedAt(
    created_at: string,
    status: RecordStatus = 'pending',
    more: { category?: string; source?: string; settled_at?: string } = {},
  ) {
    const record = await seedRecord(t, { created_at, status, ...more });
    if (status !== 'pending') {
      await t.db.query(
        `UPDATE record_events SET at = $2 WHERE record_id = $1 AND from_status IS NOT NULL`,
        [record.id, more.settled_at ?? created_at],
      );
    }
    return record;
  }

  const sum = (points: Point[], key: keyof Omit<Point, 'start'>) =>
    points.reduce((total, point) => total + point[key], 0);

  it('answers the last 24 hours by hour by default: every hour, zeros included, oldest first', async () => {
    const before = Date.now();
    const body = await timeseries();
    const after = Date.now();
    const first = Date.parse(body.date_from);
    // The 24 hours before now, widened to whole hours: 24 or 25 of them.
    expect(first).toBeGreaterThanOrEqual(Math.floor((before + 1 - DAY) / HOUR) * HOUR);
    expect(first).toBeLessThanOrEqual(Math.floor((after + 1 - DAY) / HOUR) * HOUR);
    const count = (Date.parse(body.date_to) + 1 - first) / HOUR;
    expect(count).toBeGreaterThanOrEqual(24);
    expect(count).toBeLessThanOrEqual(25);
    expect(Date.parse(body.date_to)).toBeGreaterThanOrEqual(before);
    expect(body).toEqual({
      bucket: 'hour',
      date_from: new Date(first).toISOString(),
      date_to: new Date(first + count * HOUR - 1).toISOString(),
      points: Array.from({ length: count }, (_, i) => zero(first + i * HOUR)),
    });
  });

  it('counts creates, processing, failures, retries and bulk retries as they happen', async () => {
    const from = new Date(Date.now() - HOUR).toISOString();
    const ids: string[] = [];
    for (const payload of [{ amount: 10 }, { amount: 20 }, {}, {}]) {
      const created = await request(t.http)
        .post('/records')
        .send(aRecordBody({ payload }))
        .expect(201);
      ids.push(created.body.id as string);
    }
    for (const id of ids) await request(t.http).post(`/records/${id}/process`).expect(200);
    await request(t.http).post(`/records/${ids[2]}/retry`).expect(200);
    await request(t.http).post(`/records/${ids[2]}/process`).expect(200);
    expect((await request(t.http).post('/records/retry').send({}).expect(200)).body.retried).toBe(
      2,
    );

    const body = await timeseries({ date_from: from });
    const totals = {
      created: sum(body.points, 'created'),
      processed: sum(body.points, 'processed'),
      failed: sum(body.points, 'failed'),
      retried: sum(body.points, 'retried'),
    };
    expect(totals).toEqual({ created: 4, processed: 2, failed: 3, retried: 3 });
    expect(body.points).toEqual(
      await countedLive('hour', body.date_from, body.points.at(-1)!.start),
    );
  });

  describe('with records over several days', () => {
    beforeEach(async () => {
      await seedAt('2026-01-01T08:00:00Z', 'processed', { settled_at: '2026-01-01T08:30:00Z' });
      await seedAt('2026-01-01T23:59:59.999Z', 'failed', {
        source: 'web',
        settled_at: '2026-01-02T00:00:00Z',
      });
      await seedAt('2026-01-02T00:00:00Z', 'pending', { category: 'refund' });
      await seedAt('2026-01-02T12:00:00Z', 'processed', { settled_at: '2026-01-03T23:59:59.999Z' });
      await seedAt('2026-01-03T06:30:00Z', 'processed', { category: 'refund', source: 'web' });
      await seedAt('2026-01-05T00:00:00Z');
    });

    it('by day: each UTC day, a millisecond either side of midnight in its own day', async () => {
      expect(
        await timeseries({ bucket: 'day', date_from: '2026-01-01', date_to: '2026-01-05' }),
      ).toEqual({
        bucket: 'day',
        date_from: '2026-01-01T00:00:00.000Z',
        date_to: '2026-01-05T23:59:59.999Z',
        points: [
          { start: '2026-01-01T00:00:00.000Z', created: 2, processed: 1, failed: 0, retried: 0 },
          { start: '2026-01-02T00:00:00.000Z', created: 2, processed: 0, failed: 1, retried: 0 },
          { start: '2026-01-03T00:00:00.000Z', created: 1, processed: 2, failed: 0, retried: 0 },
          { start: '2026-01-04T00:00:00.000Z', created: 0, processed: 0, failed: 0, retried: 0 },
          { start: '2026-01-05T00:00:00.000Z', created: 1, processed: 0, failed: 0, retried: 0 },
        ],
      });
    });

    it('by hour across midnight: the hour each thing happened in', async () => {
      const body = await timeseries({
        date_from: '2026-01-01T22:00:00Z',
        date_to: '2026-01-02T01:59:59.999Z',
      });
      expect(body).toEqual({
        bucket: 'hour',
        date_from: '2026-01-01T22:00:00.000Z',
        date_to: '2026-01-02T01:59:59.999Z',
        points: [
          zero(Date.parse('2026-01-01T22:00:00Z')),
          { start: '2026-01-01T23:00:00.000Z', created: 1, processed: 0, failed: 0, retried: 0 },
          { start: '2026-01-02T00:00:00.000Z', created: 1, processed: 0, failed: 1, retried: 0 },
          zero(Date.parse('2026-01-02T01:00:00Z')),
        ],
      });
    });

    it('counts whole buckets: a window edge inside a bucket takes all of it, and says so', async () => {
      const body = await timeseries({
        bucket: 'day',
        date_from: '2026-01-01T12:00:00Z',
        date_to: '2026-01-02T00:00:00Z',
      });
      expect(body.date_from).toBe('2026-01-01T00:00:00.000Z');
      expect(body.date_to).toBe('2026-01-02T23:59:59.999Z');
      expect(body.points.map((point) => point.created)).toEqual([2, 2]);
    });

    it('filters by category and by source', async () => {
      const window = { bucket: 'day', date_from: '2026-01-01', date_to: '2026-01-03' } as const;
      const refunds = await timeseries({ ...window, category: 'refund' });
      expect(refunds.points).toEqual(
        await countedLive('day', '2026-01-01', '2026-01-03', { category: 'refund' }),
      );
      expect(refunds.points.map((point) => point.created)).toEqual([0, 1, 1]);
      const web = await timeseries({ ...window, source: 'web' });
      expect(web.points).toEqual(
        await countedLive('day', '2026-01-01', '2026-01-03', { source: 'web' }),
      );
      expect(web.points.map((point) => [point.created, point.failed])).toEqual([
        [1, 0],
        [0, 1],
        [1, 0],
      ]);
      const both = await timeseries({ ...window, category: 'refund', source: 'web' });
      expect(both.points.map((point) => point.created)).toEqual([0, 0, 1]);
    });

    it('agrees with the summary: over the same window and filters, created sums to its total', async () => {
      const windows: Record<string, string>[] = [
        { bucket: 'day', date_from: '2026-01-01', date_to: '2026-01-03' },
        { bucket: 'day', date_from: '2026-01-02', date_to: '2026-01-05', category: 'order' },
        { bucket: 'hour', date_from: '2026-01-01T23:00:00Z', date_to: '2026-01-02T00:59:59.999Z' },
        // Unaligned: the answer's own window is the one the summary is asked about.
        { bucket: 'hour', date_from: '2026-01-01T23:59:59.999Z', date_to: '2026-01-02T00:00:00Z' },
        {
          bucket: 'day',
          date_from: '2026-01-01T09:00:00Z',
          date_to: '2026-01-03T05:00:00Z',
          source: 'web',
        },
      ];
      for (const query of windows) {
        const body = await timeseries(query);
        const summary = await request(t.http)
          .get('/reports/summary')
          .query({
            date_from: body.date_from,
            date_to: body.date_to,
            ...(query.category && { category: query.category }),
            ...(query.source && { source: query.source }),
          })
          .expect(200);
        expect({ query, created: sum(body.points, 'created') }).toEqual({
          query,
          created: summary.body.total_records,
        });
      }
      // Aligned requests: the request's own window already is the answer's.
      const aligned = { date_from: '2026-01-01', date_to: '2026-01-03' };
      const summary = await request(t.http).get('/reports/summary').query(aligned).expect(200);
      expect(sum((await timeseries({ bucket: 'day', ...aligned })).points, 'created')).toBe(
        summary.body.total_records,
      );
    });

    it('follows deletes, the events going by cascade', async () => {
      await t.db.query(`DELETE FROM records WHERE created_at < '2026-01-02T12:00:00Z'`);
      const body = await timeseries({
        bucket: 'day',
        date_from: '2026-01-01',
        date_to: '2026-01-03',
      });
      expect(body.points).toEqual(await countedLive('day', '2026-01-01', '2026-01-03'));
      expect(body.points.map((point) => [point.created, point.processed, point.failed])).toEqual([
        [0, 0, 0],
        [1, 0, 0],
        [1, 2, 0],
      ]);
    });
  });

  it('answers an empty window with zeros', async () => {
    await seedAt('2026-01-01T08:00:00Z', 'processed');
    expect(
      await timeseries({ bucket: 'day', date_from: '2025-06-01', date_to: '2025-06-03' }),
    ).toEqual({
      bucket: 'day',
      date_from: '2025-06-01T00:00:00.000Z',
      date_to: '2025-06-03T23:59:59.999Z',
      points: [0, 1, 2].map((i) => zero(Date.parse('2025-06-01T00:00:00Z') + i * DAY)),
    });
  });

  it('answers up to 1000 buckets', async () => {
    const body = await timeseries({
      date_from: '2026-01-01T00:00:00Z',
      date_to: '2026-02-11T15:59:59.999Z',
    });
    expect(body.points).toHaveLength(1000);
    expect(body.points.at(-1)).toEqual(zero(Date.parse('2026-02-11T15:00:00Z')));
  });

  it.each([
    [
      'more than 1000 hours',
      'date_from=2026-01-01T00:00:00Z&date_to=2026-02-11T16:00:00Z',
      'date_from',
      'the window holds 1001 hour buckets; at most 1000 are answered',
    ],
    [
      'more than 1000 days',
      'bucket=day&date_from=2024-01-01&date_to=2026-09-27',
      'date_from',
      'the window holds 1001 day buckets; at most 1000 are answered',
    ],
    [
      'a start after the end',
      'date_from=2026-02-01&date_to=2026-01-01',
      'date_to',
      'date_to must not be before date_from',
    ],
    [
      'a start in the future and no end (now)',
      `date_from=${new Date(Date.now() + DAY).toISOString().slice(0, 10)}`,
      'date_from',
      'date_from must not be after date_to',
    ],
    [
      'an unknown bucket',
      'bucket=week',
      'bucket',
      'bucket must be one of the following values: hour, day',
    ],
    [
      'a malformed date',
      'date_to=yesterday',
      'date_to',
      'date_to must be an ISO-8601 date (YYYY-MM-DD) or date-time',
    ],
    ['an unknown filter', 'status=failed', 'status', 'property status should not exist'],
  ])('answers 400 for %s', async (_, query, field, message) => {
    const response = await request(t.http).get(`/reports/timeseries?${query}`).expect(400);
    expect(response.body).toEqual({
      ...problem(400, 'ValidationError', message, '/reports/timeseries', 'validation-error'),
      details: [{ field, message }],
    });
  });
});
