import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  HeaderObject,
  ReferenceObject,
  ResponseObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { PROBLEM_KINDS, ProblemType, problemTypeUri } from './problem';

export class FieldErrorDoc {
  @ApiProperty({ example: 'source' })
  field: string;

  @ApiProperty({ example: 'source must be longer than or equal to 1 characters' })
  message: string;
}

/** The contract's error body, also an RFC 9457 problem document (application/problem+json). */
export class ProblemDoc {
  @ApiProperty({ example: 'Conflict', description: 'The HTTP reason in PascalCase.' })
  error: string;

  @ApiProperty({ example: 'Record already processed' })
  message: string;

  @ApiProperty({ example: 'req_3kT9xQ2mZr8bW1vLp0aN' })
  request_id: string;

  @ApiProperty({
    example: problemTypeUri('invalid-transition'),
    format: 'uri-reference',
    enum: Object.keys(PROBLEM_KINDS).map((type) => problemTypeUri(type as ProblemType)),
    description:
      'Stable per kind of problem; a page of this service (relative to it) that says what the problem means and what to do.',
  })
  type: string;

  @ApiProperty({ example: 'Invalid state transition' })
  title: string;

  @ApiProperty({ example: 409, minimum: 400, maximum: 599 })
  status: number;

  @ApiProperty({ example: 'Record already processed' })
  detail: string;

  @ApiPropertyOptional({
    example: '/records/550e8400-e29b-41d4-a716-446655440000/process',
    description:
      'The request path; absent only when the request could not be read as HTTP (400, 431) before its path was known.',
  })
  instance?: string;

  @ApiPropertyOptional({ type: [FieldErrorDoc], description: 'Only on 400 ValidationError.' })
  details?: FieldErrorDoc[];
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

const header = (name: string): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

/** Response headers the document names, defined once under components.headers. */
const HEADERS: Record<string, HeaderObject> = {
  'X-Request-ID': {
    description:
      'The request id: the client\'s own when it sent a valid one (1-128 of [A-Za-z0-9._:-]), otherwise a new "req_..." one. Also in error bodies and log lines.',
    required: true,
    schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    required: true,
    schema: { type: 'integer', minimum: 0 },
  },
  'WWW-Authenticate': {
    description: 'Bearer: how to send the API key.',
    required: true,
    schema: { type: 'string', enum: ['Bearer'] },
  },
};

/** Headers a problem of this kind always carries (beside X-Request-ID). */
const PROBLEM_HEADERS: Partial<Record<ProblemType, string[]>> = {
  unauthorized: ['WWW-Authenticate'],
  'request-in-flight': ['Retry-After'],
  'rate-limited': ['Retry-After'],
  'service-unavailable': ['Retry-After'],
};

/** The response of one status, grouping the problem kinds that answer with it. */
export function problemResponse(kinds: ProblemType[], note?: string): ResponseObject {
  const headers: Record<string, ReferenceObject | HeaderObject> = {};
  for (const name of new Set(kinds.flatMap((kind) => PROBLEM_HEADERS[kind] ?? []))) {
    const carriers = kinds.filter((kind) => PROBLEM_HEADERS[kind]?.includes(name));
    headers[name] =
      carriers.length === kinds.length
        ? header(name)
        : {
            ...HEADERS[name],
            required: false,
            description: `${HEADERS[name].description} Only on ${carriers.map(problemTypeUri).join(', ')}.`,
          };
  }
  const titles = kinds.map((kind) => `${PROBLEM_KINDS[kind].title} (${problemTypeUri(kind)})`);
  return {
    description: titles.join('; ') + (note ? `. ${note}` : ''),
    headers,
    content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDoc' } } },
  };
}

/** Documents the error answers a route gives, grouped by status. */
export function ApiProblems(...types: ProblemType[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ProblemType[]>();
  for (const type of types) {
    const status = PROBLEM_KINDS[type].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), type]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, kinds]) => ApiResponse({ status, ...problemResponse(kinds) })),
  );
}

/**
 * Every route reads a JSON body when one is sent (and refuses a bad one), and any
 * route can fail unexpectedly. Added where a route's own decorators did not say more.
 */
const EVERY_OPERATION: [number, ProblemType[], string?][] = [
  [
    400,
    ['malformed-request'],
    'For a request that is not valid HTTP, or a body that is not valid JSON or UTF-8.',
  ],
  [408, ['request-timeout'], 'Headers or body not received in time; the connection is closed.'],
  [413, ['payload-too-large']],
  [415, ['unsupported-media-type'], 'A request body must be application/json in UTF-8.'],
  [431, ['request-header-fields-too-large'], 'The connection is closed.'],
  [500, ['internal-error']],
];

/**
 * Completes what the decorators cannot say per handler: the answers every route can
 * give, and the X-Request-ID header of every response.
 */
export function describeResponses(document: OpenAPIObject): void {
  const used = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      if (!operation) continue;
      for (const [status, kinds, note] of EVERY_OPERATION) {
        operation.responses[status] ??= problemResponse(kinds, note);
      }
      for (const response of Object.values(operation.responses) as ResponseObject[]) {
        response.headers = { 'X-Request-ID': header('X-Request-ID'), ...response.headers };
        for (const name of Object.keys(response.headers)) used.add(name);
      }
    }
  }
  document.components ??= {};
  document.components.headers = Object.fromEntries(
    Object.entries(HEADERS).filter(([name]) => used.has(name)),
  );
}

export const ApiRequestIdHeader = () =>
  ApiHeader({
    name: 'X-Request-ID',
    required: false,
    description:
      'Optional client request id (1-128 of [A-Za-z0-9._:-]); echoed in the response, error bodies and logs. Otherwise one is made.',
  });

/** The Idempotency-Key header (its 409/422 answers are listed with the route's problems). */
export const ApiIdempotencyKeyHeader = () =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Optional, 1-255 printable characters (bare or a quoted structured-field string). The first request with a key runs and its response is stored for 24 hours; a repeat with the same body replays it with `Idempotent-Replayed: true`; the same key with another body is 422; while the first is in flight, 409 with Retry-After. Scoped to the API key, method and path. 5xx answers are never stored.',
  });

/** Response headers of a POST that took an Idempotency-Key. */
export const REPLAYED_RESPONSE_HEADER = {
  'Idempotent-Replayed': {
    description: '"true" when this is the stored response to an earlier request with the same key',
    schema: { type: 'string', enum: ['true'] },
  },
};
