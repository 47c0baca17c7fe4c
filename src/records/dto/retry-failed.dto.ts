import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { CreatedRangeFilter } from './created-range.filter';
import { IsOmittable } from '../../common/validation';

export const MAX_BULK_RETRY = 1000;
export const DEFAULT_BULK_RETRY = 100;

/** POST /records/retry: which failed records to send back to pending, and how many at most. */
export class RetryFailedDto extends CreatedRangeFilter {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_BULK_RETRY,
    default: DEFAULT_BULK_RETRY,
    description: 'At most this many records, oldest first.',
  })
  @IsOmittable()
  @Max(MAX_BULK_RETRY)
  @Min(1)
  @IsInt()
  limit: number = DEFAULT_BULK_RETRY;
}

export class RetryFailedResponse {
  @ApiProperty({ type: 'integer', minimum: 0, example: 2 })
  retried: number;

  @ApiProperty({
    type: [String],
    format: 'uuid',
    description: 'The records sent back to pending, oldest first.',
    example: ['550e8400-e29b-41d4-a716-446655440000', '6fa459ea-ee8a-3ca4-894e-db77e160355e'],
  })
  ids: string[];
}
