import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeys } from './api-keys';
import { RateLimit } from './rate-limit';

/**
 * Who may call: rate limiting per client IP (RATE_LIMIT_PER_MINUTE, off at 0; a middleware
 * the bootstrap runs before routing, see rate-limit.ts), then API keys on writes
 * (API_KEYS). /health, /health/live, /metrics and /version are never limited.
 */
@Module({
  providers: [
    ApiKeys,
    RateLimit,
    ThrottlerStorageService,
    { provide: APP_GUARD, useClass: ApiKeyGuard },
  ],
  exports: [ApiKeys, RateLimit],
})
export class SecurityModule {}
