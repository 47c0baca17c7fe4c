import { Client } from 'pg';

/** A throw-away database on the admin URL's server, created for one run and dropped after it. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withClient(adminUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  );
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const CATEGORIES = [
  'order',
  'refund',
  'invoice',
  'payment',
  'shipment',
  'return',
  'subscription',
  'signup',
  'login',
  'support',
  'review',
  'inventory',
  'alert',
  'audit',
  'feedback',
  'transfer',
  'payout',
  'chargeback',
  'quote',
  'lead',
];
const SOURCES = ['api', 'web', 'mobile', 'batch', 'partner'];

/**
 * Loads `rows` records in one statement: 20 categories, 5 sources, created over the
 * last 90 days, 85% processed, 10% pending, 5% failed, ~160-byte payloads. The outcome
 * columns follow the status, as the table's CHECK constraint requires. Then VACUUM
 * ANALYZE, so the planner has statistics and index-only scans find an all-visible map.
 */
export async function bulkLoad(url: string, rows: number): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await client.query(
      `INSERT INTO records (created_at, updated_at, processed_at, status, source, category,
                            payload, classification, score, error, attempts)
       SELECT created_at, coalesce(processed_at, created_at), processed_at, status, source,
              category, payload,
              CASE WHEN status = 'processed' THEN 'standard' END,
              CASE WHEN status = 'processed' THEN 0.60 END,
              CASE WHEN status = 'failed' THEN 'payload.amount must be a number' END,
              CASE WHEN status = 'pending' THEN 0 ELSE 1 END
         FROM (SELECT *, CASE WHEN status = 'pending' THEN NULL
                              ELSE created_at + interval '5 seconds' END AS processed_at
                 FROM (SELECT g,
                              now() - random() * interval '90 days' AS created_at,
                              CASE WHEN roll < 0.85 THEN 'processed'
                                   WHEN roll < 0.95 THEN 'pending' ELSE 'failed' END AS status,
                              ($2::text[])[1 + (g / 20) % cardinality($2::text[])] AS source,
                              ($3::text[])[1 + g % cardinality($3::text[])] AS category,
                              jsonb_build_object(
                                'order_id', g::text,
                                'amount', round((random() * 500)::numeric, 2),
                                'currency', 'EUR',
                                'customer_id', 'cus_' || lpad((g % 100000)::text, 6, '0'),
                                'items', 1 + g % 9,
                                'note', 'bulk-loaded by npm run bench') AS payload
                         FROM (SELECT g, random() AS roll FROM generate_series(1, $1) AS g) rolled
                      ) base
              ) outcome`,
      [rows, SOURCES, CATEGORIES],
    );
    await client.query('VACUUM ANALYZE records');
  });
}

/** Any existing record: the get-by-id target of both the service and pgbench. */
export async function anyRecordId(url: string): Promise<string> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM records WHERE status = 'processed' LIMIT 1`,
    );
    return rows[0].id;
  });
}

/**
 * Seeds `count` pending orders (the default rules classify them `high_value`) and
 * numbers them 1..count in bench_pending, so every process call can take the next one.
 */
export async function seedPending(url: string, count: number): Promise<string[]> {
  return withClient(url, async (client) => {
    await client.query(
      `CREATE TABLE IF NOT EXISTS bench_pending (n int PRIMARY KEY, id uuid NOT NULL)`,
    );
    await client.query('TRUNCATE bench_pending');
    await client.query(
      `WITH inserted AS (
         INSERT INTO records (source, category, payload)
         SELECT 'bench', 'order', jsonb_build_object('order_id', g::text, 'amount', 99.99)
           FROM generate_series(1, $1) AS g
         RETURNING id
       )
       INSERT INTO bench_pending (n, id) SELECT row_number() OVER (), id FROM inserted`,
      [count],
    );
    await client.query('ANALYZE bench_pending');
    const { rows } = await client.query<{ id: string }>('SELECT id FROM bench_pending ORDER BY n');
    return rows.map((row) => row.id);
  });
}

/** How many of the seeded pending records have been processed. */
export async function processedSeeds(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM bench_pending JOIN records USING (id) WHERE status = 'processed'`,
    );
    return rows[0].n;
  });
}
