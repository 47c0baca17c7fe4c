import { Global, Logger, LoggerService, Module, OnApplicationShutdown } from '@nestjs/common';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../config/environment';
import { Database, DatabaseSessions } from './database';
import {
  DatabaseSettings,
  databaseOptions,
  poolOptions,
  sessionSettings,
} from './database-options';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './embedded-postgres';
import { Primary } from './primary';
import { Replicas } from './replicas';
import { connectWithBackoff, runMigrationsExclusively } from './startup';

/** The pool settings of DATABASE_URL (and of each replica), from the environment. */
function settingsOf(config: ConfigService<Environment, true>, url: string): DatabaseSettings {
  return {
    url,
    poolSize: config.get('DB_POOL_SIZE', { infer: true }),
    poolTimeoutMs: config.get('DB_POOL_TIMEOUT_MS', { infer: true }),
    statementTimeoutMs: config.get('DB_STATEMENT_TIMEOUT_MS', { infer: true }),
    lockTimeoutMs: config.get('DB_LOCK_TIMEOUT_MS', { infer: true }),
    idleInTransactionTimeoutMs: config.get('DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', { infer: true }),
    pooler: config.get('DB_POOLER', { infer: true }),
  };
}

/** Holds the embedded cluster (when there is no DATABASE_URL) so it is stopped last. */
export class EmbeddedDatabase implements OnApplicationShutdown {
  handle?: EmbeddedPostgresHandle;
  dataSource?: DataSource;

  async onApplicationShutdown(): Promise<void> {
    if (!this.handle) return;
    if (this.dataSource?.isInitialized) await this.dataSource.destroy();
    await this.handle.stop();
  }
}

/** TypeORM and the Database seam the repositories use, for every module. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      extraProviders: [EmbeddedDatabase],
      inject: [ConfigService, EmbeddedDatabase, PinoNestLogger],
      useFactory: async (
        config: ConfigService<Environment, true>,
        embedded: EmbeddedDatabase,
        pino: PinoNestLogger,
      ) => {
        const logger = new Logger('Database');
        // Written at once (Nest's own logger is buffered until start-up is over), so an
        // operator sees the retries while the database is unreachable.
        const startupLogger: LoggerService = {
          log: (message: string) => pino.log(message, 'Database'),
          warn: (message: string) => pino.warn(message, 'Database'),
          error: (message: string) => pino.error(message, 'Database'),
        };
        let url = config.get('DATABASE_URL', { infer: true });
        if (!url) {
          embedded.handle = await startEmbeddedPostgres({
            dataDir: config.get('EMBEDDED_PG_DIR', { infer: true }),
            port: config.get('EMBEDDED_PG_PORT', { infer: true }),
            database: 'workflow',
            log: (message) => logger.log(message),
          });
          url = embedded.handle.url;
        }
        // DATABASE_URL may name several hosts (libpq style): the pool follows the one
        // that takes writes (primary.ts).
        const primary = await Primary.find(
          url,
          {
            failoverTimeoutMs: config.get('DB_FAILOVER_TIMEOUT_MS', { infer: true }),
            probeTimeoutMs: config.get('DB_POOL_TIMEOUT_MS', { infer: true }),
          },
          config.get('DB_STARTUP_TIMEOUT_MS', { infer: true }),
          startupLogger,
        );
        const configuredMigrationUrl = config.get('DATABASE_MIGRATION_URL', { infer: true });
        const migrationUrl =
          !configuredMigrationUrl || configuredMigrationUrl === url
            ? primary.url
            : configuredMigrationUrl;
        url = primary.url;
        const settings = settingsOf(config, url);
        const options = databaseOptions(settings);
        return {
          ...options,
          extra: { ...options.extra, Client: primary.Client },
          // connectWithBackoff below does the retrying, with its own bound.
          retryAttempts: 0,
          startupTimeoutMs: config.get('DB_STARTUP_TIMEOUT_MS', { infer: true }),
          startupLogger,
          // Migrations hold a session advisory lock: over a direct connection (never
          // through a transaction pooler), with the pool's timeouts as session settings.
          migrationOptions:
            migrationUrl === url && settings.pooler !== 'transaction'
              ? undefined
              : databaseOptions({ ...settings, url: migrationUrl, poolSize: 1, pooler: 'none' }),
        };
      },
      dataSourceFactory: async (options) => {
        const { startupTimeoutMs, startupLogger, migrationOptions, ...dataSourceOptions } =
          options as typeof options & {
            startupTimeoutMs: number;
            startupLogger: LoggerService;
            migrationOptions?: typeof options;
          };
        const dataSource = await connectWithBackoff(
          new DataSource(dataSourceOptions),
          startupTimeoutMs,
          startupLogger,
        );
        if (!migrationOptions) {
          await runMigrationsExclusively(dataSource, new Logger('Migrations'));
          return dataSource;
        }
        const direct = await connectWithBackoff(
          new DataSource(migrationOptions),
          startupTimeoutMs,
          startupLogger,
        );
        try {
          await runMigrationsExclusively(direct, new Logger('Migrations'));
        } finally {
          await direct.destroy();
        }
        return dataSource;
      },
    }),
  ],
  providers: [
    Database,
    {
      provide: DatabaseSessions,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => {
        const settings = settingsOf(config, '');
        return new DatabaseSessions(settings.pooler === 'transaction', sessionSettings(settings));
      },
    },
    {
      provide: Replicas,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) =>
        Replicas.connect(
          config.get('DATABASE_REPLICA_URLS', { infer: true }),
          poolOptions(settingsOf(config, '')),
          config.get('DB_REPLICA_RETRY_MS', { infer: true }),
        ),
    },
  ],
  exports: [TypeOrmModule, Database, Replicas],
})
export class DatabaseModule {}
