import { Global, Logger, LoggerService, Module, OnApplicationShutdown } from '@nestjs/common';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Environment } from '../config/environment';
import { Database } from './database';
import { databaseOptions } from './database-options';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './embedded-postgres';
import { connectWithBackoff, runMigrationsExclusively } from './startup';

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
        return {
          ...databaseOptions({
            url,
            poolSize: config.get('DB_POOL_SIZE', { infer: true }),
            poolTimeoutMs: config.get('DB_POOL_TIMEOUT_MS', { infer: true }),
            statementTimeoutMs: config.get('DB_STATEMENT_TIMEOUT_MS', { infer: true }),
            lockTimeoutMs: config.get('DB_LOCK_TIMEOUT_MS', { infer: true }),
            idleInTransactionTimeoutMs: config.get('DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', {
              infer: true,
            }),
          }),
          // connectWithBackoff below does the retrying, with its own bound.
          retryAttempts: 0,
          startupTimeoutMs: config.get('DB_STARTUP_TIMEOUT_MS', { infer: true }),
          startupLogger,
        };
      },
      dataSourceFactory: async (options) => {
        const { startupTimeoutMs, startupLogger, ...dataSourceOptions } =
          options as typeof options & { startupTimeoutMs: number; startupLogger: LoggerService };
        const dataSource = await connectWithBackoff(
          new DataSource(dataSourceOptions),
          startupTimeoutMs,
          startupLogger,
        );
        await runMigrationsExclusively(dataSource, new Logger('Migrations'));
        return dataSource;
      },
    }),
  ],
  providers: [Database],
  exports: [TypeOrmModule, Database],
})
export class DatabaseModule {}
