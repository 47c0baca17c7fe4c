import { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.setup';

export interface TestApp {
  app: INestApplication;
  /** The HTTP server, for supertest. */
  http: ReturnType<INestApplication['getHttpServer']>;
  db: DataSource;
}

/** The real application (same setup as main.ts) on the test database. */
export async function startTestApp(): Promise<TestApp> {
  const app = await createApp();
  await app.init();
  return { app, http: app.getHttpServer(), db: app.get(DataSource) };
}

/** Empties every table between tests. */
export async function resetDatabase(db: DataSource): Promise<void> {
  await db.query('TRUNCATE records, record_events CASCADE');
}
