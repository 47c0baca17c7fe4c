import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsStorableText } from './storable-json';

/** The `category` and `source` filters that listing and the summary share. */
export class CategorySourceFilter {
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
}
