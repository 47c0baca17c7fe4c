import request from 'supertest';
import { Database } from '../src/database/database';
import { RecordsRepository } from '../src/records/records.repository';
import { useTestApp } from './app';
import { aRecordBody, seedRecord } from './builders';

/**
 * An explicit `null` is never a field's default: every field of every body is refused
 * with a 400 ValidationError naming it (class-validator's IsOptional would let it
 * through every rule, and `{"limit": null}` would become `LIMIT NULL`, no limit at all).
 */
describe('An explicit null in a body (e2e)', () => {
  const t = useTestApp();

  const statuses = async () =>
    (await t.db.query<{ status: string }[]>('SELECT status FROM records ORDER BY id')).map(
      (row) => row.status,
    );

  const refusal = (field: string, instance: string) => ({
    type: '/problems/validation-error',
    title: expect.any(String),
    status: 400,
    detail: `${field} must not be null`,
    instance,
    error: 'ValidationError',
    message: `${field} must not be null`,
    request_id: expect.any(String),
    details: [{ field, message: `${field} must not be null` }],
  });

  it.each(['limit', 'category', 'source', 'created_after', 'created_before'])(
    'refuses %s: null on a bulk retry, and retries nothing',
    async (field) => {
      await seedRecord(t, { status: 'failed' });
      await seedRecord(t, { status: 'failed' });
      const response = await request(t.http)
        .post('/records/retry')
        .send({ [field]: null })
        .expect(400);
      expect(response.body).toEqual(refusal(field, '/records/retry'));
      expect(await statuses()).toEqual(['failed', 'failed']);
    },
  );

  it.each(['source', 'category', 'payload'])(
    'refuses %s: null on a create, and creates nothing',
    async (field) => {
      const response = await request(t.http)
        .post('/records')
        .send(aRecordBody({ [field]: null }))
        .expect(400);
      expect(response.body).toEqual(refusal(field, '/records'));
      expect(await statuses()).toEqual([]);
    },
  );

  it('claims no more than a bounded number of records, whatever limit it is handed', async () => {
    for (let i = 0; i < 3; i++) await seedRecord(t, { status: 'failed' });
    const records = t.app.get(RecordsRepository);
    const claimed = (limit: unknown) =>
      t.app
        .get(Database)
        .transaction((tx) => records.claim({ status: 'failed' }, limit as number, tx));
    // A limit that is not a positive integer claims nothing (never LIMIT NULL, all of them).
    for (const limit of [null, undefined, Number.NaN, -1, 0, 1.5, '2']) {
      expect(await claimed(limit)).toHaveLength(0);
    }
    expect(await claimed(2)).toHaveLength(2);
    expect(await claimed(Number.MAX_SAFE_INTEGER)).toHaveLength(3);
  });
});
