import { DataSource } from 'typeorm';
import { databaseOptions } from '../src/database/database-options';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrationsExclusively } from '../src/database/startup';

/** Tests refuse a database whose name does not say it is for tests: they truncate tables. */
export function assertTestDatabase(url: string): void {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/test/i.test(name)) {
    throw new Error(
      `Refusing to run tests against database "${name}": its name must contain "test"`,
    );
  }
}

/** DATABASE_URL when set, otherwise an embedded PostgreSQL under .data/ (started once). */
export async function provideTestDatabase(): Promise<{ url: string; stop?: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL };
  const embedded = await startEmbeddedPostgres({
    dataDir: '.data/test-postgres',
    port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54330),
    database: 'workflow_test',
  });
  return embedded;
}

/** A fresh schema, built by the real migrations. */
export async function migrateFromScratch(url: string): Promise<void> {
  const dataSource = new DataSource({
    ...databaseOptions({
      url,
      poolSize: 2,
      poolTimeoutMs: 10_000,
      statementTimeoutMs: 60_000,
      lockTimeoutMs: 60_000,
      idleInTransactionTimeoutMs: 60_000,
    }),
  });
  await dataSource.initialize();
  try {
    await dataSource.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    await runMigrationsExclusively(dataSource, {
      log: () => undefined,
      error: console.error,
      warn: console.warn,
    });
  } finally {
    await dataSource.destroy();
  }
}
