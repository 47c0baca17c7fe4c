import { IsOmittable } from './validation';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString } from 'class-validator';
import { IsCodePointLength, IsStorableText } from './storable-json';

/** Surrounding white space removed, as source and category are stored. */
export const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/**
 * The `category` and `source` filters that listing and the summary share: trimmed
 * and checked as the stored values are, so a filter matches what was stored.
 */
export class CategorySourceFilter {
  @ApiPropertyOptional({ example: 'order', minLength: 1, maxLength: 64, description: 'Trimmed.' })
  @IsOmittable()
  @Transform(trim)
  @IsStorableText()
  @IsCodePointLength(1, 64)
  @IsString()
  category?: string;

  @ApiPropertyOptional({ example: 'api', minLength: 1, maxLength: 64, description: 'Trimmed.' })
  @IsOmittable()
  @Transform(trim)
  @IsStorableText()
  @IsCodePointLength(1, 64)
  @IsString()
  source?: string;
}
