import request from 'supertest';
import { useTestApp } from './app';
import { aRecordBody, MISSING_ID, problem, UUID_PATTERN } from './builders';

/** The version nibble of a UUID (the first hex digit of its third group). */
const versionOf = (id: string) => id[14];

describe('Record ids are time-ordered (UUIDv7) (e2e)', () => {
  const t = useTestApp();

  const create = () => request(t.http).post('/records').send(aRecordBody()).expect(201);

  it('are version 7 UUIDs whose first 48 bits are the creation time', async () => {
    const before = Date.now();
    const { body } = await create();
    const after = Date.now();

    expect(body.id).toMatch(UUID_PATTERN);
    expect(versionOf(body.id)).toBe('7');
    expect(body.id[19]).toMatch(/[89ab]/); // the RFC 9562 variant
    const millis = parseInt(body.id.replace(/-/g, '').slice(0, 12), 16);
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(after);
  });

  it('of successive creates sort in the order the records were created', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await create()).body.id);

    expect([...ids].sort()).toEqual(ids);
    // PostgreSQL's uuid order agrees: newest first by id is newest first by creation.
    const rows: { id: string }[] = await t.db.query('SELECT id FROM records ORDER BY id DESC');
    expect(rows.map((row) => row.id)).toEqual([...ids].reverse());
  });

  it('are time-ordered for rows inserted by SQL too (the column default)', async () => {
    const { body } = await create();
    const [row] = await t.db.query(
      `INSERT INTO records (source, category, payload) VALUES ('batch', 'order', '{}') RETURNING id`,
    );

    expect(versionOf(row.id)).toBe('7');
    expect(row.id > body.id).toBe(true);
    await request(t.http).get(`/records/${row.id}`).expect(200);
  });

  it('read back in any case, and an older random (v4) id still works', async () => {
    const { body } = await create();
    const upper = await request(t.http).get(`/records/${body.id.toUpperCase()}`).expect(200);
    expect(upper.body.id).toBe(body.id);

    const legacyId = 'c0ffee00-1234-4abc-8def-0123456789ab';
    await t.db.query(
      `INSERT INTO records (id, source, category, payload) VALUES ($1, 'api', 'order', '{}')`,
      [legacyId],
    );
    const legacy = await request(t.http).get(`/records/${legacyId}`).expect(200);
    expect(legacy.body.id).toBe(legacyId);
  });

  it('answer 404 for an id no record has, v4 or v7', async () => {
    const unknownV7 = '01900000-0000-7000-8000-000000000000';
    for (const id of [MISSING_ID, unknownV7]) {
      const response = await request(t.http).get(`/records/${id}`).expect(404);
      expect(response.body).toEqual(
        problem(404, 'NotFound', 'Record not found', `/records/${id}`, 'record-not-found'),
      );
    }
  });
});
