import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_FILTER, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { RouteTable } from './common/route-table';
import { AppValidationPipe } from './common/validation';
import { Environment, validateEnvironment } from './config/environment';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProblemsModule } from './problems/problems.module';
import { RecordsModule } from './records/records.module';
import { ReportsModule } from './reports/reports.module';
import { SecurityModule } from './security/security.module';

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => ({
        pinoHttp: {
          level: config.get('LOG_LEVEL', { infer: true }),
          // The id was assigned by the first middleware (common/request-id.ts).
          genReqId: (request) => (request as { id?: string }).id ?? 'unknown',
          // Every line logged while serving a request carries its id as request_id.
          customAttributeKeys: { reqId: 'request_id' },
          quietReqLogger: true,
          redact: {
            paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
            censor: '[redacted]',
          },
        },
      }),
    }),
    DiscoveryModule,
    DatabaseModule,
    HealthModule,
    MetricsModule,
    SecurityModule,
    RecordsModule,
    ReportsModule,
    ProblemsModule,
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
  static configured(overrides: Record<string, string> = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          skipProcessEnv: true,
          load: [() => validateEnvironment({ ...process.env, ...overrides })],
        }),
      ],
    };
  }
}
