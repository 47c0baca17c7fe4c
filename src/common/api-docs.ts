import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
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
    enum: Object.keys(PROBLEM_KINDS).map((type) => problemTypeUri(type as ProblemType)),
  })
  type: string;

  @ApiProperty({ example: 'Invalid state transition' })
  title: string;

  @ApiProperty({ example: 409 })
  status: number;

  @ApiProperty({ example: 'Record already processed' })
  detail: string;

  @ApiProperty({ example: '/records/550e8400-e29b-41d4-a716-446655440000/process' })
  instance: string;

  @ApiPropertyOptional({ type: [FieldErrorDoc], description: 'Only on 400 ValidationError.' })
  details?: FieldErrorDoc[];
}

/** Documents the error answers a route can give, each with an example body. */
export function ApiProblems(...types: ProblemType[]): MethodDecorator {
  const byStatus = new Map<number, ProblemType[]>();
  for (const type of types) {
    const status = PROBLEM_KINDS[type].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), type]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, kinds]) =>
      ApiResponse({
        status,
        description: kinds.map((type) => PROBLEM_KINDS[type].title).join(' / '),
        content: {
          'application/problem+json': {
            schema: { $ref: '#/components/schemas/ProblemDoc' },
          },
        },
      }),
    ),
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
