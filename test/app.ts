import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppOptions } from '../src/app.module';
import { createApp, initApp } from '../src/app.setup';
import { checkAnswersAgainstOpenApi } from './openapi-contract';

export interface TestApp {
  app: INestApplication;
  /** The HTTP server, for supertest. */
  http: ReturnType<INestApplication['getHttpServer']>;
  db: DataSource;
}

/** Configuration for one test app, over the test environment (DATABASE_URL from global setup). */
export type TestConfig = Record<string, string>;

/** The real application (same setup as main.ts) on the test database. */
export async function startTestApp(
  config: TestConfig = {},
  options: AppOptions = {},
): Promise<TestApp> {
  const app = await createApp(config, options);
  await initApp(app);
  await checkAnswersAgainstOpenApi(app.getHttpServer());
  return { app, http: app.getHttpServer(), db: app.get(DataSource) };
}

/** Empties every table between tests (the count rollups follow by trigger). */
export async function resetDatabase(db: DataSource): Promise<void> {
  const truncate = () =>
    db.query(
      'TRUNCATE records, record_events, idempotency_keys, webhook_endpoints, webhook_events CASCADE',
    );
  // The webhook relay of the app under test may hold row locks the TRUNCATE needs in
  // another order: PostgreSQL then cancels one side (40P01); the TRUNCATE goes again.
  await truncate().catch((error: { driverError?: { code?: string } }) => {
    if (error.driverError?.code !== '40P01') throw error;
    return truncate();
  });
}

/**
 * For a spec file: boots the app once with `config`, closes it at the end, and
 * empties the tables before each test. The returned object is filled in before
 * the first test.
 */
export function useTestApp(config: TestConfig = {}, options: AppOptions = {}): TestApp {
  const t = {} as TestApp;
  beforeAll(async () => {
    Object.assign(t, await startTestApp(config, options));
  });
  afterAll(async () => {
    await t.app.close();
  });
  beforeEach(async () => {
    await resetDatabase(t.db);
  });
  return t;
}
