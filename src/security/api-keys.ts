import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
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

/** What the decision needs of a request (Express's, Fastify's and Node's all have it). */
export interface KeyedRequest {
  method?: string;
  headers: IncomingHttpHeaders;
}

/**
 * Who may write: when API_KEYS is set, every write (POST) must present one of the keys
 * in `X-API-Key` or `Authorization: Bearer`; reads stay open. One decision, used by the
 * guard (which answers 401) and by the bootstrap, which does not read the body of a
 * request that will be refused, so a client without a key gets 401 whatever its body.
 */
@Injectable()
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(config: ConfigService<Environment, true>) {
    this.digests = config.get('API_KEYS', { infer: true }).map(digest);
  }

  /** `keyedReads`: the route needs a key for reads too (RequireApiKeyForReads). */
  allows(request: KeyedRequest, keyedReads = false): boolean {
    if (this.digests.length === 0) return true;
    if (!keyedReads && READ_METHODS.has(String(request.method).toUpperCase())) return true;
    const presented = presentedApiKey(request.headers);
    return presented !== undefined && matchesAnyKey(presented, this.digests);
  }
}
