import type { OpenAPIObject } from '@nestjs/swagger';
import { problemResponse } from '../common/api-docs';

/** Tags of the routes that are never rate limited (see rate-limit.ts). */
const UNTHROTTLED_TAGS = ['health', 'operations'];

/** Tags whose every route, reads included, needs the key (RequireApiKeyForReads). */
const KEYED_TAGS = ['webhooks'];

/**
 * The guards apply by method and route family, not per handler, so the document says
 * so in one place, as configured: with API_KEYS set every POST needs a key and may
 * answer 401 (without, every route is open); with RATE_LIMIT_PER_MINUTE set the API
 * routes may answer 429. Open routes say so with an empty `security`.
 */
export function documentSecurity(
  document: OpenAPIObject,
  options: { apiKeys: boolean; rateLimit: boolean },
): void {
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      const tags: string[] = operation.tags ?? [];
      const keyed = method === 'post' || tags.some((tag) => KEYED_TAGS.includes(tag));
      if (keyed && options.apiKeys) {
        operation.security = [{ 'api-key': [] }, { bearer: [] }];
        operation.responses['401'] ??= problemResponse(['unauthorized']);
      } else {
        operation.security = [];
      }
      if (options.rateLimit && !tags.some((tag) => UNTHROTTLED_TAGS.includes(tag))) {
        operation.responses['429'] ??= problemResponse(['rate-limited']);
      }
    }
  }
}
