import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsOmittable } from '../../common/validation';
import { CategorySourceFilter } from '../../common/category-source.filter';
import { IsIsoInstant, IsNotBefore } from '../../common/iso-instant';
import { Bucket, BUCKETS, MAX_BUCKETS } from '../timeseries-range';

export class TimeseriesQuery extends CategorySourceFilter {
  @ApiPropertyOptional({
    enum: BUCKETS,
    default: 'hour',
    description: `Bucket size, aligned to UTC. At most ${MAX_BUCKETS} buckets per answer.`,
  })
  @IsOmittable()
  @IsIn(BUCKETS)
  bucket?: Bucket;

  @ApiPropertyOptional({
    description:
      'ISO-8601 date or date-time, inclusive; default: 24 hours before date_to. The answer ' +
      'starts at the start of the bucket it falls in.',
    example: '2026-12-07T10:00:00Z',
  })
  @IsOmittable()
  @IsIsoInstant()
  date_from?: string;

  @ApiPropertyOptional({
    description:
      'ISO-8601 date or date-time, inclusive (a bare date means the whole of that day, UTC); ' +
      'default: now. The answer ends at the end of the bucket it falls in.',
    example: '2026-12-08T09:59:59.999Z',
  })
  @IsOmittable()
  @IsNotBefore('date_from')
  @IsIsoInstant()
  date_to?: string;
}
