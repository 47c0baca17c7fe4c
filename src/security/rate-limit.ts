import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { normalizeIp, ThrottlerException, ThrottlerStorageService } from '@nestjs/throttler';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Environment } from '../config/environment';

const MINUTE_MS = 60_000;

/** The only paths never limited: probes and scrapes must work while a client floods. */
const UNLIMITED_PATHS = new Set(['/health', '/health/live', '/metrics', '/version']);

/** `/Health/?x` -> `/health`: matched as routes match (case, a trailing slash, no query). */
export function isUnlimitedPath(url: string | undefined): boolean {
  const path = (url ?? '')
    .split('?')[0]
    .toLowerCase()
    .replace(/(.)\/+$/, '$1');
  return UNLIMITED_PATHS.has(path);
}

/**
 * Rate limiting per client IP (RATE_LIMIT_PER_MINUTE, off at 0), one budget per client
 * across the whole service: a middleware that runs before routing and before any body is
 * read, so everything is limited (the API, /console and its assets, /docs, /docs-json,
 * /problems, unknown paths) but UNLIMITED_PATHS. Every limited answer carries
 * `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds), a 429 also `Retry-After`.
 * The counts live in @nestjs/throttler's storage.
 */
@Injectable()
export class RateLimit {
  private readonly limit: number;

  constructor(
    config: ConfigService<Environment, true>,
    @Inject(ThrottlerStorageService) private readonly storage: ThrottlerStorageService,
  ) {
    this.limit = config.get('RATE_LIMIT_PER_MINUTE', { infer: true });
  }

  middleware() {
    const { limit } = this;
    return (
      request: IncomingMessage,
      response: ServerResponse,
      next: (error?: unknown) => void,
    ) => {
      if (limit === 0 || isUnlimitedPath(request.url)) return next();
      const tracker = normalizeIp(request.socket.remoteAddress ?? 'unknown');
      this.storage
        .increment(`rate:${tracker}`, MINUTE_MS, limit, MINUTE_MS, 'default')
        .then(({ totalHits, timeToExpire, isBlocked, timeToBlockExpire }) => {
          const resetSeconds = isBlocked ? timeToBlockExpire : timeToExpire;
          response.setHeader('X-RateLimit-Limit', String(limit));
          response.setHeader('X-RateLimit-Remaining', String(Math.max(0, limit - totalHits)));
          response.setHeader('X-RateLimit-Reset', String(resetSeconds));
          if (!isBlocked) return next();
          response.setHeader('Retry-After', String(timeToBlockExpire));
          next(
            new ThrottlerException(
              `Rate limit of ${limit} requests per minute exceeded; retry in ${timeToBlockExpire} s`,
            ),
          );
        }, next);
    };
  }
}
