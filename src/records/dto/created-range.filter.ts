import { ApiPropertyOptional } from '@nestjs/swagger';
import { CategorySourceFilter } from '../../common/category-source.filter';
import { IsIsoInstant, parseInstant } from '../../common/iso-instant';
import { IsOmittable } from '../../common/validation';

/**
 * The filter that listing (a query) and bulk retry (a body) share: category, source
 * and a created range, with the same validation and the same messages.
 */
export class CreatedRangeFilter extends CategorySourceFilter {
  @ApiPropertyOptional({
    description: 'ISO-8601; records created at or after this instant.',
    example: '2026-01-01T00:00:00Z',
  })
  @IsOmittable()
  @IsIsoInstant()
  created_after?: string;

  @ApiPropertyOptional({
    description: 'ISO-8601; records created before this instant.',
    example: '2026-02-01T00:00:00Z',
  })
  @IsOmittable()
  @IsIsoInstant()
  created_before?: string;
}

/** The validated filter as the repository takes it (instants parsed). */
export interface CreatedRangeCriteria {
  category?: string;
  source?: string;
  createdFrom?: Date;
  createdBefore?: Date;
}

export const toCreatedRangeCriteria = (filter: CreatedRangeFilter): CreatedRangeCriteria => ({
  category: filter.category,
  source: filter.source,
  createdFrom: filter.created_after ? parseInstant(filter.created_after)?.at : undefined,
  createdBefore: filter.created_before ? parseInstant(filter.created_before)?.at : undefined,
});
