import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_KINDS } from '../common/problem';

/** Tags of the operational routes, which are never rate limited (see SecurityModule). */
const UNTHROTTLED_TAGS = ['health', 'operations'];

const problemResponse = (description: string) => ({
  description,
  content: {
    'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDoc' } },
  },
});

/**
 * The guards apply by method and route family, not per handler, so the document says
 * so in one place: every POST takes an API key (when API_KEYS is set) and may answer 401;
 * every non-operational route may answer 429 when rate limiting is on.
 */
export function documentSecurity(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      if (method === 'post') {
        operation.security = [{ 'api-key': [] }, { bearer: [] }];
        operation.responses['401'] ??= problemResponse(
          `${PROBLEM_KINDS.unauthorized.title} (only when API_KEYS is set)`,
        );
      }
      const tags: string[] = operation.tags ?? [];
      if (!tags.some((tag) => UNTHROTTLED_TAGS.includes(tag))) {
        operation.responses['429'] ??= {
          ...problemResponse(
            `${PROBLEM_KINDS['rate-limited'].title} (only when RATE_LIMIT_PER_MINUTE is set); see Retry-After`,
          ),
          headers: {
            'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait' },
          },
        };
      }
    }
  }
}
