import { assertTestDatabase, migrateFromScratch, provideTestDatabase } from './test-database';

export default async function globalSetup(): Promise<void> {
  const database = await provideTestDatabase();
  assertTestDatabase(database.url);
  process.env.DATABASE_URL = database.url;
  process.env.APP_ENV = 'test';
  process.env.LOG_LEVEL ??= 'silent';
  await migrateFromScratch(database.url);
  (globalThis as { stopTestDatabase?: () => Promise<void> }).stopTestDatabase = database.stop;
}
