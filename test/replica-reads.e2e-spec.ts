import { Client } from 'pg';
import request from 'supertest';
import { useTestApp } from './app';
import { MISSING_ID, problem } from './builders';

/**
 * A replica that lags forever: the test database seen through a schema of empty copies of
 * the tables that replicas answer from (search_path in the replica's URL). Whatever the
 * primary has, this replica has none of it yet.
 */
const LAGGING = 'lagging_replica';
const laggingUrl = () => `${process.env.DATABASE_URL}?options=-c%20search_path%3D${LAGGING}`;

async function createLaggingReplica(): Promise<void> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${LAGGING} CASCADE; CREATE SCHEMA ${LAGGING}`);
    for (const table of ['records', 'record_events', 'record_counts', 'record_totals']) {
      await client.query(
        `CREATE TABLE ${LAGGING}.${table} (LIKE public.${table} INCLUDING DEFAULTS)`,
      );
    }
  } finally {
    await client.end();
  }
}

describe('Reads from a lagging replica (e2e)', () => {
  beforeAll(createLaggingReplica);
  const t = useTestApp({ DATABASE_REPLICA_URLS: laggingUrl() });

  const create = async () =>
    (
      await request(t.http)
        .post('/records')
        .send({ source: 'api', category: 'order', payload: { amount: 5 } })
        .expect(201)
    ).body as { id: string };

  it("lists a fresh record's creation event, read from the primary when the replica has none", async () => {
    const { id } = await create();
    const response = await request(t.http).get(`/records/${id}/events`).expect(200);
    expect(response.body).toEqual([
      expect.objectContaining({ record_id: id, from_status: null, to_status: 'pending' }),
    ]);
    expect(response.headers['x-read-source']).toBe('primary');
  });

  it('still answers 404 for a record that exists nowhere', async () => {
    const response = await request(t.http).get(`/records/${MISSING_ID}/events`).expect(404);
    expect(response.body).toEqual(
      problem(
        404,
        'NotFound',
        'Record not found',
        `/records/${MISSING_ID}/events`,
        'record-not-found',
      ),
    );
  });

  it('says that a replica answered a list and a summary, which may lag the writes', async () => {
    await create();
    const list = await request(t.http).get('/records').expect(200);
    expect(list.body).toMatchObject({ items: [], total: 0 });
    expect(list.headers['x-read-source']).toBe('replica');
    const summary = await request(t.http).get('/reports/summary').expect(200);
    expect(summary.headers['x-read-source']).toBe('replica');
  });
});

describe('Reads without replicas (e2e)', () => {
  const t = useTestApp();

  it('says the primary answered', async () => {
    for (const path of ['/records', '/reports/summary']) {
      const response = await request(t.http).get(path).expect(200);
      expect(response.headers['x-read-source']).toBe('primary');
    }
  });
});
