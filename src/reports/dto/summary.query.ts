import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { CategorySourceFilter } from '../../common/category-source.filter';
import { IsIsoInstant, IsNotBefore } from '../../common/iso-instant';

export class SummaryQuery extends CategorySourceFilter {
  @ApiPropertyOptional({
    description:
      'ISO-8601 date or date-time, inclusive. A bare date means the start of that day (UTC).',
    example: '2026-01-01',
  })
  @IsOptional()
  @IsIsoInstant()
  date_from?: string;

  @ApiPropertyOptional({
    description:
      'ISO-8601 date or date-time, inclusive. A bare date means the whole of that day (UTC).',
    example: '2026-01-31',
  })
  @IsOptional()
  @IsNotBefore('date_from')
  @IsIsoInstant()
  date_to?: string;
}
