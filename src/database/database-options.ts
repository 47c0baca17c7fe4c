import { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { CreateRecords1764100000000 } from '../../migrations/1764100000000-create-records';
import { RecordCounts1764200000000 } from '../../migrations/1764200000000-record-counts';
import { IdempotencyKeys1764300000000 } from '../../migrations/1764300000000-idempotency-keys';
import { EventOrderAndStoredResponses1764400000000 } from '../../migrations/1764400000000-event-order-and-stored-responses';
import { TimeOrderedIds1764500000000 } from '../../migrations/1764500000000-time-ordered-ids';
import { RecordActivity1765200000000 } from '../../migrations/1765200000000-record-activity';
import { Webhooks1765100000000 } from '../../migrations/1765100000000-webhooks';
import { KeysetAndFairClaimIndexes1765300000000 } from '../../migrations/1765300000000-keyset-and-fair-claim-indexes';
import { RecordTraceparent1765400000000 } from '../../migrations/1765400000000-record-traceparent';
import { IdempotencyKeyEntity } from '../idempotency/idempotency-key.entity';
import { RecordActivityEntity } from '../records/record-activity.entity';
import { RecordEventEntity } from '../records/record-event.entity';
import { RecordEntity } from '../records/record.entity';
import { RecordCountEntity, RecordTotalEntity } from '../reports/record-count.entity';
import { WebhookAttemptEntity } from '../webhooks/webhook-attempt.entity';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity';
import { WebhookEndpointEntity } from '../webhooks/webhook-endpoint.entity';
import { WebhookEventEntity } from '../webhooks/webhook-event.entity';

export interface DatabaseSettings {
  url: string;
  poolSize: number;
  poolTimeoutMs: number;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
  /**
   * `transaction`: a pooler in transaction pooling mode (PgBouncer) is in front, and no
   * session is ours beyond one transaction: the settings travel with each transaction.
   */
  pooler?: 'none' | 'transaction';
}

/** What every statement of the service runs under (see databaseOptions). */
export function sessionSettings(settings: DatabaseSettings): Record<string, string> {
  return {
    statement_timeout: String(settings.statementTimeoutMs),
    lock_timeout: String(settings.lockTimeoutMs),
    idle_in_transaction_session_timeout: String(settings.idleInTransactionTimeoutMs),
    TimeZone: 'UTC',
  };
}

/** The pg pool's options (TypeORM's `extra`), for the primary and for each replica. */
export function poolOptions(settings: DatabaseSettings): Record<string, unknown> {
  return {
    max: settings.poolSize,
    // Waiting for a free pooled connection is bounded: past it the request gets a 503.
    connectionTimeoutMillis: settings.poolTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // Session settings on every pooled connection: no statement, lock wait or
    // forgotten transaction can hold a connection (or a row lock) for long. PgBouncer
    // refuses the `options` start-up parameter, and its server connections are shared:
    // under transaction pooling Database sends them with each transaction instead.
    ...(settings.pooler === 'transaction'
      ? {}
      : {
          options: Object.entries(sessionSettings(settings))
            .map(([name, value]) => `-c ${name}=${value}`)
            .join(' '),
        }),
  };
}

/** Every migration, oldest first. */
export const MIGRATIONS = [
  CreateRecords1764100000000,
  RecordCounts1764200000000,
  IdempotencyKeys1764300000000,
  EventOrderAndStoredResponses1764400000000,
  TimeOrderedIds1764500000000,
  RecordActivity1765200000000,
  Webhooks1765100000000,
  KeysetAndFairClaimIndexes1765300000000,
  RecordTraceparent1765400000000,
];

/** Every entity: the schema the migrations build, described for TypeORM (never synchronized). */
export const ENTITIES = [
  RecordEntity,
  RecordEventEntity,
  IdempotencyKeyEntity,
  RecordCountEntity,
  RecordTotalEntity,
  RecordActivityEntity,
  WebhookEndpointEntity,
  WebhookEventEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
];

export function databaseOptions(settings: DatabaseSettings): PostgresConnectionOptions {
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
    extra: poolOptions(settings),
  };
}
