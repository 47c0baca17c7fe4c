import request from 'supertest';
import { Database } from '../src/database/database';
import { SORT_FIELDS } from '../src/records/dto/list-records.query';
import { RecordCursors } from '../src/records/record-cursor';
import { RecordListQuery, RecordsRepository } from '../src/records/records.repository';
import { useTestApp } from './app';
import { aRecordBody, seedRecord } from './builders';

type Page = { items: { id: string }[]; next_cursor: string | null; total: number };

describe('GET /records cursor paging (e2e)', () => {
  const t = useTestApp({ CURSOR_SECRET: 'the-test-cursor-secret' });

  /** 30 records: ties in created_at (a batch shares its transaction's time), varied keys. */
  const seed = async () => {
    const statuses = ['pending', 'processed', 'failed'] as const;
    for (let i = 0; i < 12; i++) {
      await seedRecord(t, {
        source: `s${i % 4}`,
        category: `c${i % 3}`,
        status: statuses[i % 3],
        created_at: new Date(Date.UTC(2026, 0, 1 + (i % 5))).toISOString(),
      });
    }
    await request(t.http)
      .post('/records/batch')
      .send({
        records: Array.from({ length: 18 }, (_, i) =>
          aRecordBody({ source: `s${i % 2}`, category: `c${i % 4}` }),
        ),
      })
      .expect(201);
  };

  const get = (query: Record<string, string>) =>
    request(t.http).get('/records').query(query).expect(200);

  /** Follows the Link headers from the first page; every page's ids in order. */
  const walk = async (query: Record<string, string>, between?: () => Promise<void>) => {
    const ids: string[] = [];
    let response = await get(query);
    for (;;) {
      const page = response.body as Page;
      ids.push(...page.items.map((item) => item.id));
      const link = response.headers.link as string | undefined;
      if (page.next_cursor === null) {
        expect(link).toBeUndefined();
        return ids;
      }
      const [, url] = /^<([^>]+)>; rel="next"$/.exec(link!)!;
      expect(new URL(url, 'http://x').searchParams.get('cursor')).toBe(page.next_cursor);
      await between?.();
      response = await request(t.http).get(url).expect(200);
    }
  };

  it('walks every sort, both orders, with and without filters, as offset paging orders them', async () => {
    await seed();
    const filters: Record<string, string>[] = [
      {},
      { status: 'pending' },
      { category: 'c1' },
      { source: 's0', status: 'processed' },
      { created_after: '2026-01-02T00:00:00Z' },
    ];
    for (const sort_by of SORT_FIELDS) {
      for (const sort_order of ['asc', 'desc']) {
        for (const filter of filters) {
          const query = { ...filter, sort_by, sort_order };
          const all = (await get({ ...query, limit: '200' })).body as Page;
          const walked = await walk({ ...query, limit: '4' });
          expect({ query, walked }).toEqual({ query, walked: all.items.map((item) => item.id) });
        }
      }
    }
  });

  it('carries next_cursor on every page (offset pages too), null and no Link on the last', async () => {
    await seed();
    const first = (await get({ limit: '10', offset: '25' })).body as Page;
    expect(first.items).toHaveLength(5);
    expect(first.next_cursor).toBeNull();
    const middle = await get({ limit: '10', offset: '5', sort_by: 'category' });
    expect(typeof middle.body.next_cursor).toBe('string');
    expect(middle.headers.link).toBe(
      `</records?sort_by=category&sort_order=desc&limit=10&cursor=${encodeURIComponent(middle.body.next_cursor)}>; rel="next"`,
    );
    const after = await get({ limit: '10', sort_by: 'category', cursor: middle.body.next_cursor });
    const byOffset = await get({ limit: '10', offset: '15', sort_by: 'category' });
    expect(after.body.items).toEqual(byOffset.body.items);
    expect(after.body.total).toBe(30);
  });

  it('refuses a cursor it did not make, one changed, one for other filters or sort, or with an offset', async () => {
    await seed();
    const { next_cursor: cursor } = (await get({ limit: '5', category: 'c1' })).body as Page;
    const refused = async (query: Record<string, string>, message: RegExp) => {
      const response = await request(t.http).get('/records').query(query).expect(400);
      expect(response.body).toMatchObject({
        error: 'ValidationError',
        details: [{ field: 'cursor', message: expect.stringMatching(message) }],
      });
    };
    const [body, mac] = cursor!.split('.');
    const flipped = `${body.slice(0, -2)}${body.at(-2) === 'A' ? 'B' : 'A'}${body.at(-1)}.${mac}`;
    const otherKey = new RecordCursors('some-other-secret-key').encode(
      { value: 'c1', id: '00000000-0000-4000-8000-000000000000' },
      RecordCursors.binding(['x']),
    );
    await refused({ category: 'c1', cursor: 'not-a-cursor' }, /not one this service made/);
    await refused({ category: 'c1', cursor: flipped }, /not one this service made/);
    await refused({ category: 'c1', cursor: otherKey }, /not one this service made/);
    await refused({ category: 'c2', cursor: cursor! }, /other filters or another sort/);
    await refused({ cursor: cursor! }, /other filters or another sort/);
    await refused({ category: 'c1', sort_order: 'asc', cursor: cursor! }, /another sort/);
    await refused({ category: 'c1', sort_by: 'source', cursor: cursor! }, /another sort/);
    await refused({ category: 'c1', offset: '5', cursor: cursor! }, /non-zero offset/);
    // The same filters, the limit changed: accepted.
    await get({ category: 'c1', limit: '2', cursor: cursor!, offset: '0' });
  });

  it('visits every record once while records are created and processed meanwhile', async () => {
    await seed();
    for (const sort_order of ['asc', 'desc']) {
      const before = (await get({ limit: '200', sort_order })).body as Page;
      let n = 0;
      const walked = await walk({ limit: '3', sort_order }, async () => {
        // Writes between the first pages (in ascending order they land ahead of the walk):
        // a batch, a single create, and a transition.
        if (n >= 6) return;
        await request(t.http)
          .post('/records/batch')
          .send({ records: [aRecordBody(), aRecordBody()] })
          .expect(201);
        await request(t.http).post('/records').send(aRecordBody()).expect(201);
        const pending = before.items[n++ % before.items.length];
        await request(t.http).post(`/records/${pending.id}/process`);
      });
      expect(new Set(walked).size).toBe(walked.length);
      const seen = new Set(walked);
      expect(before.items.filter((item) => !seen.has(item.id))).toEqual([]);
    }
  });

  it('walks an index in order for every sort with every filter, after a cursor too (EXPLAIN)', async () => {
    await seed();
    const repository = t.app.get(RecordsRepository);
    const database = t.app.get(Database);
    const filters: Partial<RecordListQuery>[] = [
      {},
      { status: 'failed' },
      { category: 'c1' },
      { source: 's1' },
      { status: 'pending', category: 'c1' },
      { status: 'pending', source: 's1' },
      { category: 'c1', source: 's1' },
      { status: 'processed', category: 'c1', source: 's1' },
      { createdFrom: new Date('2026-01-02T00:00:00Z'), createdBefore: new Date('2027-01-01') },
      { category: 'c2', createdFrom: new Date('2026-01-02T00:00:00Z') },
    ];
    const afters = {
      created_at: {
        value: '2026-01-03T00:00:00.000000Z',
        id: '00000000-0000-4000-8000-000000000000',
      },
      status: { value: 'pending', id: '00000000-0000-4000-8000-000000000000' },
      category: { value: 'c1', id: '00000000-0000-4000-8000-000000000000' },
      source: { value: 's1', id: '00000000-0000-4000-8000-000000000000' },
    };
    const plans: string[] = [];
    await database.transaction(async (tx) => {
      // Forbid what a table this small would pick otherwise (a scan, a sort): only a plan
      // that walks an index in the requested order is left.
      await tx.client.query(
        'SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off; SET LOCAL enable_incremental_sort = off',
      );
      for (const sortBy of SORT_FIELDS) {
        for (const sortOrder of ['asc', 'desc'] as const) {
          for (const filter of filters) {
            for (const after of [undefined, afters[sortBy]]) {
              const statement = repository.listStatement({
                ...filter,
                sortBy,
                sortOrder,
                limit: 51,
                offset: 0,
                after,
              });
              const { rows } = await tx.client.query<{ 'QUERY PLAN': string }>(
                `EXPLAIN ${statement.text}`,
                statement.params,
              );
              const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
              // A Sort node, not a Merge Append's `Sort Key` (partitions walked in index order).
              if (/Seq Scan|Bitmap|\bSort\s+\(/.test(plan) || !/Index (Only )?Scan/.test(plan)) {
                plans.push(`${sortBy} ${sortOrder} ${JSON.stringify({ filter, after })}:\n${plan}`);
              }
            }
          }
        }
      }
    });
    expect(plans).toEqual([]);
  });
});
