import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { RECORD_STATUSES, RecordStatus } from '../record-status';
import { CreatedRangeFilter } from './created-range.filter';
import { IsOmittable } from '../../common/validation';

export const MAX_LIMIT = 200;
export const SORT_FIELDS = ['created_at', 'status', 'category', 'source'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

/**
 * "50" -> 50, "-1" -> -1 (for @Min to name the bound it breaks), any number of digits
 * (a huge limit is capped like any large one); anything else is left for @IsInt to reject.
 */
export const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

export class ListRecordsQuery extends CreatedRangeFilter {
  @ApiPropertyOptional({ enum: RECORD_STATUSES })
  @IsOmittable()
  @IsIn(RECORD_STATUSES)
  status?: RecordStatus;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    default: 50,
    description: `Values above ${MAX_LIMIT} are capped at ${MAX_LIMIT}.`,
  })
  @IsOmittable()
  @Transform(({ value }: { value: unknown }) => {
    const limit = toInteger({ value });
    return typeof limit === 'number' ? Math.min(limit, MAX_LIMIT) : limit;
  })
  @Min(1)
  @IsInt()
  limit: number = 50;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 0,
  })
  @IsOmittable()
  @Transform(toInteger)
  @Max(Number.MAX_SAFE_INTEGER)
  @Min(0)
  @IsInt()
  offset: number = 0;

  @ApiPropertyOptional({ enum: SORT_FIELDS, default: 'created_at' })
  @IsOmittable()
  @IsIn(SORT_FIELDS)
  sort_by: SortField = 'created_at';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @IsOmittable()
  @IsIn(['asc', 'desc'])
  sort_order: 'asc' | 'desc' = 'desc';

  @ApiPropertyOptional({
    type: String,
    maxLength: 1000,
    description:
      'The `next_cursor` of the previous page (keyset paging: the same cost at any depth). ' +
      'Send it with the same filters and sort it was made for, and no offset (or 0); any ' +
      'other cursor is a 400.',
  })
  @IsOmittable()
  @MaxLength(1000)
  @IsString()
  cursor?: string;
}
