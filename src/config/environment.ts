import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off', ''].includes(normalized)) return false;
  return value;
};

const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/** `a, b,,c` -> ['a', 'b', 'c']; unset or blank -> []. */
const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0)
    : value;

const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every environment variable the service reads, with its default.
 * This class is the only place that knows about process.env (through ConfigModule).
 */
export class Environment {
  @IsIn(['development', 'test', 'staging', 'production'])
  APP_ENV = 'development';

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  /** The HTTP server under Nest: Express (what the service is described with) or Fastify. */
  @IsIn(['express', 'fastify'])
  HTTP_ADAPTER: 'express' | 'fastify' = 'express';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  /** Read replicas (streaming standbys) for lists, totals, summaries and events; empty: none. */
  @Transform(toList)
  @IsString({ each: true })
  @Matches(/^postgres(ql)?:\/\/.+/, { each: true, message: 'each must be a postgres:// URL' })
  DATABASE_REPLICA_URLS: string[] = [];

  /** How long a replica that failed is skipped (its reads go to the primary). */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  DB_REPLICA_RETRY_MS = 10000;

  /** Migrations and their advisory lock (a session of their own); unset: DATABASE_URL. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' })
  DATABASE_MIGRATION_URL?: string;

  /** `transaction`: PgBouncer (or another pooler) in transaction pooling mode in front. */
  @IsIn(['none', 'transaction'])
  DB_POOLER: 'none' | 'transaction' = 'none';

  @IsString()
  EMBEDDED_PG_DIR = '.data/postgres';

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 10;

  @Transform(toInteger)
  @IsInt()
  @Min(50)
  DB_POOL_TIMEOUT_MS = 2000;

  @Transform(toInteger)
  @IsInt()
  @Min(100)
  DB_STATEMENT_TIMEOUT_MS = 5000;

  @Transform(toInteger)
  @IsInt()
  @Min(100)
  DB_LOCK_TIMEOUT_MS = 3000;

  @Transform(toInteger)
  @IsInt()
  @Min(100)
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS = 5000;

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  DB_STARTUP_TIMEOUT_MS = 30000;

  /** After the primary is lost, how long the hosts of DATABASE_URL are asked for a new one (503 meanwhile). */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  DB_FAILOVER_TIMEOUT_MS = 30000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  RULES_FILE?: string;

  @Transform(toBoolean)
  @IsBoolean()
  WORKER_ENABLED = false;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  WORKER_BATCH_SIZE = 50;

  @Transform(toInteger)
  @IsInt()
  @Min(10)
  WORKER_POLL_INTERVAL_MS = 500;

  /** Batches in flight at once per instance (each its own transaction). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(16)
  WORKER_CONCURRENCY = 1;

  /**
   * Fairness: the most records of one source a batch takes while other sources wait
   * (0: an equal share of the batch for each waiting source). A source waiting alone
   * still fills the batch.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(1000)
  WORKER_MAX_PER_SOURCE = 0;

  /**
   * The key that signs list cursors (HMAC-SHA256), so a cursor the service did not make
   * is refused. Every instance must share it; set a long random one in production.
   */
  @IsString()
  @MinLength(16)
  CURSOR_SECRET = 'workflow-service-default-cursor-key';

  /** Longest wait for a request's headers, then 408 and the connection closed. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  HTTP_HEADERS_TIMEOUT_MS = 10000;

  /** Longest wait for a whole request, body included, then 408 and the connection closed. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  HTTP_REQUEST_TIMEOUT_MS = 30000;

  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SHUTDOWN_GRACE_MS = 10000;

  /** How long readiness answers 503 before the server stops accepting (load balancers notice). */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  SHUTDOWN_READINESS_DELAY_MS = 0;

  /** Reported by GET /version. */
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && value.trim() === '' ? 'unknown' : value,
  )
  @IsString()
  @Matches(/^[\x21-\x7e]{1,100}$/, { message: 'must be 1-100 printable characters' })
  GIT_COMMIT = 'unknown';

  /** Keys accepted on writes (POST); empty means writes are open. */
  @Transform(toList)
  @IsString({ each: true })
  @Matches(/^[\x21-\x7e]+$/, {
    each: true,
    message: 'each key must be printable ASCII without spaces',
  })
  API_KEYS: string[] = [];

  /** Requests per minute per client IP; 0 turns rate limiting off. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_MINUTE = 0;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  IDEMPOTENCY_TTL_HOURS = 24;

  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  IDEMPOTENCY_LOCK_MS = 30000;

  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  IDEMPOTENCY_PURGE_INTERVAL_MS = 600000;

  /** This instance posts due webhook deliveries (every instance does unless turned off). */
  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_DELIVERY_ENABLED = true;

  /** Longest wait for a receiver's answer (connect, headers and body); then the attempt failed. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(120000)
  WEBHOOK_TIMEOUT_MS = 15000;

  /** Seconds between attempts (the Standard Webhooks schedule); after the last, the delivery failed. */
  @Transform(toList)
  @Transform(({ value }: { value: unknown }) =>
    Array.isArray(value) ? value.map((item) => toInteger({ value: item })) : value,
  )
  @IsInt({ each: true })
  @Min(0, { each: true })
  @Max(604800, { each: true })
  WEBHOOK_RETRY_DELAYS: number[] = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400];

  /** Allows webhook URLs on loopback, private and other non-public addresses (development, tests). */
  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE_URLS = false;

  /** 32 bytes, base64: encrypts endpoint secrets at rest (AES-256-GCM); unset: stored in clear, with a warning. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'must be 32 bytes in base64 (44 characters)' })
  WEBHOOK_SECRET_KEY?: string;

  /** Deliveries one instance posts at the same time. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(200)
  WEBHOOK_CONCURRENCY = 10;

  /** How often an idle relay looks for due deliveries (NOTIFY wakes it sooner). */
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  WEBHOOK_POLL_INTERVAL_MS = 1000;
}

/** Never echoed in a configuration error. */
const SECRET_VARIABLES = new Set([
  'API_KEYS',
  'CURSOR_SECRET',
  'DATABASE_URL',
  'DATABASE_REPLICA_URLS',
  'DATABASE_MIGRATION_URL',
  'WEBHOOK_SECRET_KEY',
]);

export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const environment = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(environment, { forbidUnknownValues: false });
  const problems = errors.map((error) => {
    const reasons = Object.values(error.constraints ?? {}).join('; ');
    const shown = SECRET_VARIABLES.has(error.property) ? '[redacted]' : JSON.stringify(error.value);
    return `${error.property}=${shown}: ${reasons}`;
  });
  if (
    errors.length === 0 &&
    environment.HTTP_HEADERS_TIMEOUT_MS > environment.HTTP_REQUEST_TIMEOUT_MS
  ) {
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS=${environment.HTTP_HEADERS_TIMEOUT_MS}: must not exceed HTTP_REQUEST_TIMEOUT_MS (${environment.HTTP_REQUEST_TIMEOUT_MS})`,
    );
  }
  if (problems.length > 0) throw new Error(`Invalid configuration: ${problems.join(', ')}`);
  return environment;
}
