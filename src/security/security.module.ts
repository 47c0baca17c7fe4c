import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { Environment } from '../config/environment';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeys } from './api-keys';

const MINUTE_MS = 60_000;

/**
 * Who may call: optional rate limiting per client IP (RATE_LIMIT_PER_MINUTE, off at 0),
 * then API keys on writes (API_KEYS). Guards run in this order, so a flood of bad keys
 * is throttled too. /health, /health/live, /metrics and /version are never throttled.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) => {
        const limit = config.get('RATE_LIMIT_PER_MINUTE', { infer: true });
        return {
          throttlers: [{ ttl: MINUTE_MS, limit: Math.max(limit, 1) }],
          skipIf: () => limit === 0,
          // One budget per client across all routes (the default is one per route).
          generateKey: (_context, tracker, name) => `${name}:${tracker}`,
          errorMessage: (_context, detail) =>
            `Rate limit of ${detail.limit} requests per minute exceeded; retry in ${detail.timeToBlockExpire} s`,
        };
      },
    }),
  ],
  providers: [
    ApiKeys,
    { provide: APP_GUARD, useClass: ThrottlerGuard },
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeys],
})
export class SecurityModule {}
