import { DataSource } from 'typeorm';
import { databaseOptions } from './database-options';

/**
 * The data source for the TypeORM CLI (`npm run migration:*`): DATABASE_MIGRATION_URL
 * (a direct connection, never through a transaction pooler), else DATABASE_URL.
 */
export default new DataSource(
  databaseOptions({
    url:
      process.env.DATABASE_MIGRATION_URL ||
      process.env.DATABASE_URL ||
      'postgres://postgres@127.0.0.1:5432/postgres',
    poolSize: 2,
    poolTimeoutMs: 10_000,
    statementTimeoutMs: 600_000,
    lockTimeoutMs: 60_000,
    idleInTransactionTimeoutMs: 600_000,
  }),
);
