import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { CreateRecords1764100000000 } from '../../migrations/1764100000000-create-records';
import { RecordCounts1764200000000 } from '../../migrations/1764200000000-record-counts';
import { IdempotencyKeys1764300000000 } from '../../migrations/1764300000000-idempotency-keys';

export interface DatabaseSettings {
  url: string;
  poolSize: number;
  poolTimeoutMs: number;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/** Every migration, oldest first. */
export const MIGRATIONS = [
  CreateRecords1764100000000,
  RecordCounts1764200000000,
  IdempotencyKeys1764300000000,
];

export function databaseOptions(settings: DatabaseSettings): PostgresConnectionOptions {
  // Session settings on every pooled connection: no statement, lock wait or
  // forgotten transaction can hold a connection (or a row lock) for long.
  const sessionSettings = [
    `-c statement_timeout=${settings.statementTimeoutMs}`,
    `-c lock_timeout=${settings.lockTimeoutMs}`,
    `-c idle_in_transaction_session_timeout=${settings.idleInTransactionTimeoutMs}`,
    '-c TimeZone=UTC',
  ].join(' ');
  return {
    type: 'postgres',
    url: settings.url,
    applicationName: 'workflow-service',
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: {
      max: settings.poolSize,
      // Waiting for a free pooled connection is bounded: past it the request gets a 503.
      connectionTimeoutMillis: settings.poolTimeoutMs,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      options: sessionSettings,
    },
  };
}
