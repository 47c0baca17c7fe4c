import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { CreateRecords1764100000000 } from '../../migrations/1764100000000-create-records';
import { RecordCounts1764200000000 } from '../../migrations/1764200000000-record-counts';
import { IdempotencyKeys1764300000000 } from '../../migrations/1764300000000-idempotency-keys';
import { EventOrderAndStoredResponses1764400000000 } from '../../migrations/1764400000000-event-order-and-stored-responses';
import { TimeOrderedIds1764500000000 } from '../../migrations/1764500000000-time-ordered-ids';
import { IdempotencyKeyEntity } from '../idempotency/idempotency-key.entity';
import { RecordEventEntity } from '../records/record-event.entity';
import { RecordEntity } from '../records/record.entity';
import { RecordCountEntity, RecordTotalEntity } from '../reports/record-count.entity';

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
  EventOrderAndStoredResponses1764400000000,
  TimeOrderedIds1764500000000,
];

/** Every entity: the schema the migrations build, described for TypeORM (never synchronized). */
export const ENTITIES = [
  RecordEntity,
  RecordEventEntity,
  IdempotencyKeyEntity,
  RecordCountEntity,
  RecordTotalEntity,
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
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    // No uuid extension: ids are made by the service or by gen_uuid_v7() (a migration),
    // which builds on gen_random_uuid() (built in since PostgreSQL 13).
    uuidExtension: 'pgcrypto',
    installExtensions: false,
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
