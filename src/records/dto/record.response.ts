import { ApiProperty } from '@nestjs/swagger';
import { RecordEventEntity } from '../record-event.entity';
import { RecordEntity } from '../record.entity';
import { RECORD_STATUSES, RecordStatus } from '../record-status';

export class RecordResponse {
  @ApiProperty({ format: 'uuid', example: '550e8400-e29b-41d4-a716-446655440000' })
  id: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-07T12:00:00.000Z' })
  created_at: string;

  @ApiProperty({ format: 'date-time', example: '2026-01-07T12:00:00.000Z' })
  updated_at: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, example: null })
  processed_at: string | null;

  @ApiProperty({ enum: RECORD_STATUSES, example: 'pending' })
  status: RecordStatus;

  @ApiProperty({ example: 'api' })
  source: string;

  @ApiProperty({ example: 'order' })
  category: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { order_id: '12345', amount: 99.99 },
  })
  payload: Record<string, unknown>;

  @ApiProperty({ nullable: true, type: String, example: null })
  classification: string | null;

  @ApiProperty({
    nullable: true,
    type: String,
    example: null,
    description: 'A decimal string with two places, e.g. "0.95".',
  })
  score: string | null;

  @ApiProperty({ nullable: true, type: String, example: null })
  error: string | null;

  @ApiProperty({ example: 0, description: 'How many times the record has been processed.' })
  attempts: number;
}

export class RecordPageResponse {
  @ApiProperty({ type: [RecordResponse] })
  items: RecordResponse[];

  @ApiProperty({ example: 1 })
  total: number;

  @ApiProperty({ example: 50 })
  limit: number;

  @ApiProperty({ example: 0 })
  offset: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description:
      'Opaque; pass it as `cursor` (with the same filters and sort) for the next page. ' +
      'null when no more items follow. The same URL is in the `Link: <...>; rel="next"` header.',
  })
  next_cursor: string | null;
}

export class RecordEventResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  record_id: string;

  @ApiProperty({
    // OpenAPI 3.0.3: a nullable enum lists null among its values.
    enum: [...RECORD_STATUSES, null],
    nullable: true,
    type: String,
    description: 'null for creation',
  })
  from_status: RecordStatus | null;

  @ApiProperty({ enum: RECORD_STATUSES })
  to_status: RecordStatus;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({ nullable: true, type: String, example: 'req_3kT9xQ2mZr8bW1vLp0aN' })
  request_id: string | null;

  @ApiProperty({ nullable: true, type: String })
  error: string | null;
}

export function toRecordResponse(record: RecordEntity): RecordResponse {
  return {
    id: record.id,
    created_at: record.created_at.toISOString(),
    updated_at: record.updated_at.toISOString(),
    processed_at: record.processed_at?.toISOString() ?? null,
    status: record.status,
    source: record.source,
    category: record.category,
    payload: record.payload,
    classification: record.classification,
    score: record.score,
    error: record.error,
    attempts: record.attempts,
  };
}

export function toRecordEventResponse(event: RecordEventEntity): RecordEventResponse {
  return {
    id: event.id,
    record_id: event.record_id,
    from_status: event.from_status,
    to_status: event.to_status,
    at: event.at.toISOString(),
    request_id: event.request_id,
    error: event.error,
  };
}
