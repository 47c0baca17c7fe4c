import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Length } from 'class-validator';
import { IsStorableText } from '../../common/storable-json';
import { IsNotBefore } from '../../common/is-not-before';

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
  @IsISO8601({ strict: true, strictSeparator: true })
  date_from?: string;

  @ApiPropertyOptional({
    description:
      'ISO-8601 date or date-time, inclusive. A bare date means the whole of that day (UTC).',
    example: '2026-01-31',
  })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  @IsNotBefore('date_from')
  date_to?: string;
}
