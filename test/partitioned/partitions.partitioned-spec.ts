import { Client } from 'pg';
import request from 'supertest';
import { UUID } from 'uuidv7';
import {
  dropBefore,
  extend,
  monthlyPartitions,
  partitionName,
} from '../../scripts/partitions/record-partitions';
import { useTestApp } from '../app';
import { aRecordBody } from '../builders';

/**
 * Only in `npm run test:partitioned` (global-setup.ts converted `records`): the
 * partitioned schema's own behaviour. The rest of the e2e suite runs beside it.
 */
describe('records partitioned by id range (partitioned e2e)', () => {
  const t = useTestApp();
  let admin: Client;
  beforeAll(async () => {
    admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });

  const partitionOf = async (id: string) =>
    (
      await t.db.query('SELECT tableoid::regclass::text AS name FROM records WHERE id = $1', [id])
    )[0]?.name;
  const summary = async () => (await request(t.http).get('/reports/summary').expect(200)).body;
  /** Totals of /reports/timeseries over a window: record_activity's view of it. */
  const activity = async (query: Record<string, string>) => {
    const { points } = (await request(t.http).get('/reports/timeseries').query(query).expect(200))
      .body as { points: Record<'created' | 'processed' | 'failed' | 'retried', number>[] };
    const total = { created: 0, processed: 0, failed: 0, retried: 0 };
    for (const point of points) {
      for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += point[key];
    }
    return total;
  };
  const oldMonth = { bucket: 'day', date_from: '2025-01-01', date_to: '2025-01-31' };

  /** A UUIDv7 of the instant `at` (as the service would have made then). */
  const idAt = (at: string, n: number) => UUID.fromFieldsV7(Date.parse(at), 0, 0, n).toString();

  it('is partitioned by range of id, and a new record lands in this month’s partition', async () => {
    const [{ strategy, key }] = await t.db.query(
      `SELECT partstrat AS strategy, pg_get_partkeydef('records'::regclass) AS key
         FROM pg_partitioned_table WHERE partrelid = 'records'::regclass`,
    );
    expect({ strategy, key }).toEqual({ strategy: 'r', key: 'RANGE (id)' });

    const { body } = await request(t.http).post('/records').send(aRecordBody()).expect(201);
    expect(await partitionOf(body.id)).toBe(partitionName(new Date()));
    await request(t.http).get(`/records/${body.id}`).expect(200);
  });

  it('retention drops a whole old month; the summary and list totals stay exact', async () => {
    // January 2025 gets its partition (as `extend` run back then would have made it).
    expect(await extend(admin, 0, new Date('2025-01-15T00:00:00Z'))).toEqual(['records_y2025m01']);
    try {
      const old = [1, 2, 3].map((n) => idAt('2025-01-10T12:00:00Z', n));
      await t.db.query(
        `INSERT INTO records (id, source, category, payload, created_at, updated_at)
         SELECT id, 'batch', 'refund', '{}', '2025-01-10T12:00:00Z', '2025-01-10T12:00:00Z'
           FROM unnest($1::uuid[]) AS id`,
        [old],
      );
      await t.db.query(
        `INSERT INTO record_events (record_id, to_status, attempt) SELECT unnest($1::uuid[]), 'pending', 0`,
        [old],
      );
      const recent = await request(t.http).post('/records').send(aRecordBody()).expect(201);
      // Processed once: the old month's record changes partition-local rows only.
      const processed = await request(t.http).post(`/records/${old[0]}/process`).expect(200);
      expect(await partitionOf(old[0])).toBe('records_y2025m01');
      const byStatus = { pending: 3, processed: 0, failed: 0 };
      byStatus[processed.body.status as keyof typeof byStatus] += 1;
      expect(await summary()).toEqual({
        total_records: 4,
        by_status: byStatus,
        by_category: { order: 1, refund: 3 },
      });
      expect(await activity(oldMonth)).toEqual({ created: 3, processed: 0, failed: 0, retried: 0 });
      const outcome = processed.body.status === 'processed' ? 'processed' : 'failed';
      expect((await activity({}))[outcome]).toBe(1);

      const result = await dropBefore(admin, new Date('2025-02-01T00:00:00Z'));

      expect(result).toEqual({ droppedPartitions: ['records_y2025m01'], deletedFromDefault: 0 });
      expect(await summary()).toEqual({
        total_records: 1,
        by_status: { pending: 1, processed: 0, failed: 0 },
        by_category: { order: 1 },
      });
      // record_activity too: the month's creations and the old record's transition.
      expect(await activity(oldMonth)).toEqual({ created: 0, processed: 0, failed: 0, retried: 0 });
      expect(await activity({})).toEqual({ created: 1, processed: 0, failed: 0, retried: 0 });
      const list = await request(t.http).get('/records').expect(200);
      expect({
        total: list.body.total,
        ids: list.body.items.map((r: { id: string }) => r.id),
      }).toEqual({
        total: 1,
        ids: [recent.body.id],
      });
      await request(t.http).get(`/records/${old[0]}`).expect(404);
      const [{ events }] = await t.db.query(
        'SELECT count(*)::int AS events FROM record_events WHERE record_id = ANY($1::uuid[])',
        [old],
      );
      expect(events).toBe(0);
      expect((await monthlyPartitions(admin)).map((p) => p.name)).not.toContain('records_y2025m01');
    } finally {
      await admin.query('DROP TABLE IF EXISTS records_y2025m01');
    }
  });

  it('webhook events come with changes of partitioned records, and not again when records move partition', async () => {
    await t.db.query(
      `INSERT INTO webhook_endpoints (url, events, secret)
       VALUES ('http://127.0.0.1:1/', '{record.created,record.failed}', 'plain.whsec_x')`,
    );
    // March 2025 has no partition yet: the record lands in the default one.
    const id = idAt('2025-03-10T12:00:00Z', 1);
    try {
      await t.db.query(
        `WITH inserted AS (
           INSERT INTO records (id, source, category, payload) VALUES ($1, 'api', 'order', '{}') RETURNING id
         )
         INSERT INTO record_events (record_id, to_status, attempt) SELECT id, 'pending', 0 FROM inserted`,
        [id],
      );
      expect(await partitionOf(id)).toBe('records_default');
      await request(t.http).post(`/records/${id}/process`).expect(200);
      const events = async () =>
        (await t.db.query('SELECT type, record_id FROM webhook_events ORDER BY occurred_at')).map(
          (row: { type: string }) => row.type,
        );
      expect(await events()).toEqual(['record.created', 'record.failed']);

      expect(await extend(admin, 0, new Date('2025-03-15T00:00:00Z'))).toEqual([
        'records_y2025m03',
      ]);
      expect(await partitionOf(id)).toBe('records_y2025m03');
      expect(await events()).toEqual(['record.created', 'record.failed']);
    } finally {
      await dropBefore(admin, new Date('2025-04-01T00:00:00Z'));
      await admin.query('DROP TABLE IF EXISTS records_y2025m03');
    }
  });

  it('retention deletes old records of the default partition through the triggers', async () => {
    // A random (v4) id from before the conversion lives in the default partition.
    const legacy = 'c0ffee00-1234-4abc-8def-0123456789ab';
    await t.db.query(
      `INSERT INTO records (id, source, category, payload, created_at, updated_at)
       VALUES ($1, 'api', 'order', '{}', '2024-06-01T00:00:00Z', '2024-06-01T00:00:00Z')`,
      [legacy],
    );
    // Its history: created, failed, retried (events inserted as a back-fill would).
    await t.db.query(
      `INSERT INTO record_events (record_id, from_status, to_status, attempt, at) VALUES
         ($1, NULL, 'pending', 0, '2024-06-01T00:00:00Z'),
         ($1, 'pending', 'failed', 1, '2024-06-01T01:00:00Z'),
         ($1, 'failed', 'pending', 1, '2024-06-02T00:00:00Z')`,
      [legacy],
    );
    expect(await partitionOf(legacy)).toBe('records_default');
    expect((await summary()).total_records).toBe(1);
    const june = { bucket: 'day', date_from: '2024-06-01', date_to: '2024-06-30' };
    expect(await activity(june)).toEqual({ created: 1, processed: 0, failed: 1, retried: 1 });

    expect(await dropBefore(admin, new Date('2025-01-01T00:00:00Z'))).toEqual({
      droppedPartitions: [],
      deletedFromDefault: 1,
    });
    expect(await summary()).toEqual({
      total_records: 0,
      by_status: { pending: 0, processed: 0, failed: 0 },
      by_category: {},
    });
    // Deleted through the parent: its events went by cascade, and their counts with them.
    expect(await activity(june)).toEqual({ created: 0, processed: 0, failed: 0, retried: 0 });
  });
});
