import { ApiPropertyOptional } from '@nestjs/swagger';
import { CategorySourceFilter } from '../../common/category-source.filter';
import { IsIsoInstant, IsNotBefore } from '../../common/iso-instant';
import { IsOmittable } from '../../common/validation';

export class SummaryQuery extends CategorySourceFilter {
  @ApiPropertyOptional({
    description:
      'ISO-8601 date or date-time, inclusive. A bare date means the start of that day (UTC).',
    example: '2026-01-01',
  })
  @IsOmittable()
  @IsIsoInstant()
  date_from?: string;

  @ApiPropertyOptional({
    description:
      'ISO-8601 date or date-time, inclusive. A bare date means the whole of that day (UTC).',
    example: '2026-01-31',
  })
  @IsOmittable()
  @IsNotBefore('date_from')
  @IsIsoInstant()
  date_to?: string;
}
