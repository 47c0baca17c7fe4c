import { ApiProperty } from '@nestjs/swagger';

export class StatusCounts {
  @ApiProperty({ example: 20 })
  pending: number;

  @ApiProperty({ example: 120 })
  processed: number;

  @ApiProperty({ example: 10 })
  failed: number;
}

export class SummaryResponse {
  @ApiProperty({ example: 150 })
  total_records: number;

  @ApiProperty({ type: StatusCounts, description: 'All three statuses, zero included.' })
  by_status: StatusCounts;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { order: 100, refund: 50 },
  })
  by_category: Record<string, number>;
}
