import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { convert } from '../../scripts/partitions/record-partitions';
import { assertTestDatabase, migrateFromScratch } from '../test-database';

/** The port of the private PostgreSQL the partitioned run uses (not the shared one). */
export const PARTITIONED_PG_PORT = Number(process.env.PARTITIONED_PG_PORT ?? 55601);

/**
 * `npm run test:partitioned`: the e2e suite on the partitioned schema. A private
 * embedded PostgreSQL, the real migrations, then `npm run db:partitions -- convert`'s
 * own code turns `records` into monthly id-range partitions; every spec then runs
 * against it as against the plain table.
 */
export default async function globalSetup(): Promise<void> {
  const database = await startEmbeddedPostgres({
    dataDir: '.data/partitioned-postgres',
    port: PARTITIONED_PG_PORT,
    database: 'workflow_partitioned_test',
  });
  assertTestDatabase(database.url);
  await migrateFromScratch(database.url);
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    await convert(client);
  } finally {
    await client.end();
  }
  process.env.DATABASE_URL = database.url;
  process.env.APP_ENV = 'test';
  process.env.LOG_LEVEL ??= 'silent';
  (globalThis as { stopTestDatabase?: () => Promise<void> }).stopTestDatabase = database.stop;
}
