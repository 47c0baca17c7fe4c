import { ApiProperty } from '@nestjs/swagger';
import { BUCKETS } from '../timeseries-range';

export class TimeseriesPoint {
  @ApiProperty({ format: 'date-time', example: '2026-12-08T10:00:00.000Z' })
  start: string;

  @ApiProperty({ example: 12, description: 'Records created in the bucket.' })
  created: number;

  @ApiProperty({ example: 9, description: 'Transitions pending -> processed in the bucket.' })
  processed: number;

  @ApiProperty({ example: 2, description: 'Transitions pending -> failed in the bucket.' })
  failed: number;

  @ApiProperty({ example: 1, description: 'Retries (failed -> pending) in the bucket.' })
  retried: number;
}

export class TimeseriesResponse {
  @ApiProperty({ enum: BUCKETS, example: 'hour' })
  bucket: string;

  @ApiProperty({
    format: 'date-time',
    example: '2026-12-07T10:00:00.000Z',
    description: 'The start of the first bucket: the window, widened to whole buckets.',
  })
  date_from: string;

  @ApiProperty({
    format: 'date-time',
    example: '2026-12-08T10:59:59.999Z',
    description:
      'The last instant of the last bucket (inclusive, as in the request): the same ' +
      'date_from and date_to given to /reports/summary count the same records as `created`.',
  })
  date_to: string;

  @ApiProperty({
    type: [TimeseriesPoint],
    description: 'One point per bucket, oldest first, zeros included.',
  })
  points: TimeseriesPoint[];
}
