import request from 'supertest';
import { useTestApp } from './app';
import { RecordStatus } from '../src/records/record-status';
import { aRecordBody, problem, seedRecord } from './builders';

describe('GET /reports/summary (e2e)', () => {
  const t = useTestApp();

  const summary = async (query: Record<string, string> = {}) =>
    (await request(t.http).get('/reports/summary').query(query).expect(200)).body;

  /** What a plain count(*) over records says, in the summary's shape. */
  async function countedLive(where = 'TRUE', params: unknown[] = []) {
    const rows: { status: 'pending' | 'processed' | 'failed'; category: string; n: number }[] =
      await t.db.query(
        `SELECT status, category, count(*)::int AS n FROM records WHERE ${where} GROUP BY status, category`,
        params,
      );
    const expected = {
      total_records: 0,
      by_status: { pending: 0, processed: 0, failed: 0 },
      by_category: {} as Record<string, number>,
    };
    for (const row of rows) {
      expected.total_records += row.n;
      expected.by_status[row.status] += row.n;
      expected.by_category[row.category] = (expected.by_category[row.category] ?? 0) + row.n;
    }
    return expected;
  }

  async function seedAt(rows: [string, string, string, RecordStatus][]) {
    // [created_at, category, source, status]
    for (const [created_at, category, source, status] of rows) {
      await seedRecord(t, { created_at, category, source, status });
    }
  }

  it('reports zeros for every status on an empty table', async () => {
    expect(await summary()).toEqual({
      total_records: 0,
      by_status: { pending: 0, processed: 0, failed: 0 },
      by_category: {},
    });
  });

  describe('with records over several days', () => {
    beforeEach(async () => {
      await seedAt([
        ['2026-01-01T08:00:00Z', 'order', 'api', 'processed'],
        ['2026-01-01T23:59:59.999Z', 'order', 'web', 'failed'],
        ['2026-01-02T00:00:00Z', 'refund', 'api', 'pending'],
        ['2026-01-02T12:00:00Z', 'order', 'api', 'processed'],
        ['2026-01-03T06:30:00Z', 'refund', 'web', 'processed'],
        ['2026-01-05T00:00:00Z', 'order', 'api', 'pending'],
      ]);
    });

    it('counts everything when unfiltered', async () => {
      expect(await summary()).toEqual({
        total_records: 6,
        by_status: { pending: 2, processed: 3, failed: 1 },
        by_category: { order: 4, refund: 2 },
      });
    });

    it('filters by category and by source', async () => {
      expect(await summary({ category: 'refund' })).toEqual({
        total_records: 2,
        by_status: { pending: 1, processed: 1, failed: 0 },
        by_category: { refund: 2 },
      });
      expect(await summary({ source: 'web' })).toEqual({
        total_records: 2,
        by_status: { pending: 0, processed: 1, failed: 1 },
        by_category: { order: 1, refund: 1 },
      });
    });

    it('treats bare dates as whole UTC days, both ends inclusive', async () => {
      expect(await summary({ date_from: '2026-01-01', date_to: '2026-01-02' })).toEqual({
        total_records: 4,
        by_status: { pending: 1, processed: 2, failed: 1 },
        by_category: { order: 3, refund: 1 },
      });
    });

    it('treats date-times as inclusive instants', async () => {
      expect(
        await summary({ date_from: '2026-01-01T23:59:59.999Z', date_to: '2026-01-02T00:00:00Z' }),
      ).toMatchObject({
        total_records: 2,
      });
      expect(
        await summary({
          date_from: '2026-01-01T10:00:00+02:00',
          date_to: '2026-01-03T06:30:00Z',
          category: 'order',
        }),
      ).toEqual({
        total_records: 3,
        by_status: { pending: 0, processed: 2, failed: 1 },
        by_category: { order: 3 },
      });
    });

    it('accepts the widest dates the list accepts', async () => {
      expect(await summary({ date_from: '0000-01-01', date_to: '9999-12-31' })).toEqual(
        await summary(),
      );
    });

    it('counts a date-time date_from on the day of a bare date_to (which covers the whole day)', async () => {
      expect(await summary({ date_from: '2026-01-02T06:00:00Z', date_to: '2026-01-02' })).toEqual(
        await countedLive(`created_at >= $1 AND created_at < $2`, [
          '2026-01-02T06:00:00Z',
          '2026-01-03',
        ]),
      );
    });

    it.each([
      [{ date_from: '2026-01-01T07:00:00Z' }, ['2026-01-01T07:00:00Z', '9999-01-01']],
      [{ date_to: '2026-01-02T11:00:00Z' }, ['0001-01-01', '2026-01-02T11:00:00.001Z']],
      [
        { date_from: '2026-01-02T00:00:00Z', date_to: '2026-01-04' },
        ['2026-01-02T00:00:00Z', '2026-01-05T00:00:00Z'],
      ],
      [
        { date_from: '2026-01-01T12:00:00Z', date_to: '2026-01-05T00:00:00Z', source: 'api' },
        ['2026-01-01T12:00:00Z', '2026-01-05T00:00:00.001Z'],
      ],
    ])('agrees with count(*) for %j', async (query, [from, to]) => {
      const source = (query as { source?: string }).source;
      const expected = await countedLive(
        `created_at >= $1 AND created_at < $2 ${source ? 'AND source = $3' : ''}`,
        source ? [from, to, source] : [from, to],
      );
      expect(await summary(query as Record<string, string>)).toEqual(expected);
    });
  });

  it('counts categories named like Object members as plain keys', async () => {
    const names = ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf'];
    for (const category of names) {
      await request(t.http).post('/records').send(aRecordBody({ category })).expect(201);
    }
    await request(t.http)
      .post('/records')
      .send(aRecordBody({ category: 'toString' }))
      .expect(201);
    const response = await request(t.http).get('/reports/summary').expect(200);
    expect(JSON.parse(response.text)).toEqual({
      total_records: 6,
      by_status: { pending: 6, processed: 0, failed: 0 },
      by_category: JSON.parse(
        '{"constructor":1,"toString":2,"hasOwnProperty":1,"__proto__":1,"valueOf":1}',
      ),
    });
    const byCategory = JSON.parse(response.text, (key, value) =>
      key === 'by_category' ? Object.entries(value as object) : value,
    ).by_category as [string, number][];
    expect(byCategory.reduce((sum, [, n]) => sum + n, 0)).toBe(6);
  });

  it('agrees exactly with count(*) after a burst of concurrent creates, processes and retries', async () => {
    const categories = ['order', 'refund', 'signup'];
    const created = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        request(t.http)
          .post('/records')
          .send(
            aRecordBody({
              category: categories[i % 3],
              source: `s${i % 4}`,
              payload: i % 5 === 0 ? {} : { amount: i },
            }),
          )
          .expect(201),
      ),
    );
    const ids = created.map((response) => response.body.id as string);
    const processed = await Promise.all(
      ids
        .slice(0, 45)
        .flatMap((id) => [id, id].map((same) => request(t.http).post(`/records/${same}/process`))),
    );
    expect(processed.filter((response) => response.status === 200)).toHaveLength(45);
    const failed = (await t.db.query(`SELECT id FROM records WHERE status = 'failed'`)).map(
      (row: { id: string }) => row.id,
    );
    expect(failed.length).toBeGreaterThan(0);
    await Promise.all(
      failed.map((id: string) => request(t.http).post(`/records/${id}/retry`).expect(200)),
    );

    const today = new Date().toISOString().slice(0, 10);
    expect(await summary()).toEqual(await countedLive());
    expect(await summary({ date_from: today, date_to: today })).toEqual(await countedLive());
    expect(await summary({ category: 'refund', source: 's1' })).toEqual(
      await countedLive(`category = 'refund' AND source = 's1'`),
    );
    const [{ now }] = await t.db.query(`SELECT (now() - interval '1 hour') AS now`);
    expect(await summary({ date_from: now.toISOString() })).toEqual(
      await countedLive('created_at >= $1', [now]),
    );
  });

  it.each([
    [
      'an inverted range',
      'date_from=2026-02-01&date_to=2026-01-01',
      'date_to must not be before date_from',
    ],
    [
      'a malformed date',
      'date_from=01/02/2026',
      'date_from must be an ISO-8601 date (YYYY-MM-DD) or date-time',
    ],
    [
      'an impossible date',
      'date_to=2026-02-30',
      'date_to must be an ISO-8601 date (YYYY-MM-DD) or date-time',
    ],
    ['an empty category', 'category=', 'category must be longer than or equal to 1 characters'],
    ['an unknown filter', 'status=pending', 'property status should not exist'],
  ])('answers 400 for %s', async (_, query, message) => {
    const response = await request(t.http).get(`/reports/summary?${query}`).expect(400);
    expect(response.body).toEqual({
      ...problem(400, 'ValidationError', message, '/reports/summary', 'validation-error'),
      details: [{ field: expect.any(String), message }],
    });
  });
});
