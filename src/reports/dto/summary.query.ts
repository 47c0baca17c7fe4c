import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsIsoInstant, IsNotBefore } from '../../common/iso-instant';
import { IsStorableText } from '../../common/storable-json';

export class SummaryQuery {
  @ApiPropertyOptional({ example: 'order' })
  @IsOptional()
  @IsStorableText()
  @Length(1, 64)
  @IsString()
  category?: string;

  @ApiPropertyOptional({ example: 'api' })
  @IsOptional()
  @IsStorableText()
  @Length(1, 64)
  @IsString()
  source?: string;

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
