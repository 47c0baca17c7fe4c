import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { presentedApiKey } from '../common/api-key';
import { Environment } from '../config/environment';

/** Methods that only read: they stay open when API keys are configured. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const digest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/**
 * True when `presented` is one of `digests`. Comparing fixed-length SHA-256 digests with
 * timingSafeEqual, against every key without stopping early, reveals neither a key's
 * length nor which key came close.
 */
export function matchesAnyKey(presented: string, digests: readonly Buffer[]): boolean {
  const candidate = digest(presented);
  let matched = false;
  for (const known of digests) matched = timingSafeEqual(candidate, known) || matched;
  return matched;
}

/**
 * When API_KEYS is set, every write (POST) must present one of the keys in
 * `X-API-Key` or `Authorization: Bearer`; otherwise 401 Unauthorized. Reads stay open.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly digests: Buffer[];

  constructor(
    config: ConfigService<Environment, true>,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.digests = config.get('API_KEYS', { infer: true }).map(digest);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.digests.length === 0 || context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<{ method: string; headers: IncomingHttpHeaders }>();
    if (READ_METHODS.has(request.method.toUpperCase())) return true;
    const presented = presentedApiKey(request.headers);
    if (presented !== undefined && matchesAnyKey(presented, this.digests)) return true;
    this.adapterHost.httpAdapter.setHeader(http.getResponse(), 'WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException(
      presented === undefined
        ? 'An API key is required: send X-API-Key or Authorization: Bearer'
        : 'Invalid API key',
    );
  }
}
