import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { LoggingModule, LoggingOptions, RequestLogging } from './common/request-logging';
import { RouteTable } from './common/route-table';
import { AppValidationPipe } from './common/validation';
import { validateEnvironment } from './config/environment';
import { ConsoleModule } from './console/console.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProblemsModule } from './problems/problems.module';
import { RecordsModule } from './records/records.module';
import { ReportsModule } from './reports/reports.module';
import { SecurityModule } from './security/security.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** What the process passes in beyond the configuration (tests: where the log lines go). */
export interface AppOptions {
  logging?: LoggingOptions;
}

@Module({
  imports: [
    DiscoveryModule,
    DatabaseModule,
    HealthModule,
    MetricsModule,
    SecurityModule,
    RecordsModule,
    ReportsModule,
    WebhooksModule,
    ProblemsModule,
    ConsoleModule,
  ],
  providers: [
    RouteTable,
    { provide: APP_FILTER, useClass: AllExceptionsFilter },
    { provide: APP_PIPE, useClass: AppValidationPipe },
  ],
})
export class AppModule {
  /**
   * The application with its configuration: the environment (and .env), validated,
   * with `overrides` over it. Tests pass their settings in here, never through
   * process.env.
   */
  static configured(
    overrides: Record<string, string> = {},
    options: AppOptions = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          skipProcessEnv: true,
          load: [() => validateEnvironment({ ...process.env, ...overrides })],
        }),
        LoggingModule.forRoot(options.logging),
        LoggerModule.forRootAsync({
          inject: [RequestLogging],
          // The request logger runs first of all (app.setup.ts); nestjs-pino binds its
          // req.log for the rest of the request, so every line carries request_id once.
          useFactory: (logging: RequestLogging) => ({
            pinoHttp: { logger: logging.root },
            useExisting: true,
          }),
        }),
      ],
    };
  }
}
