import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, ValidateNested } from 'class-validator';
import { RecordResponse } from './record.response';
import { CreateRecordDto } from './create-record.dto';

export const MAX_BATCH_RECORDS = 1000;

/** The batch route, read by the bootstrap's body readers (a larger limit, payloads in items). */
export const BATCH_ROUTE = '/records/batch';

/** Largest batch body: 16 MiB (a single create's is 1 MiB); answered 413 above it. */
export const BATCH_BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/** POST /records/batch: 1-1000 records, each validated as POST /records validates one. */
export class CreateRecordsBatchDto {
  @ApiProperty({
    type: [CreateRecordDto],
    minItems: 1,
    maxItems: MAX_BATCH_RECORDS,
    description:
      'Created together or not at all, in this order. An invalid item is named in the ' +
      '400 details as `records[3].payload`.',
  })
  @ValidateNested({ each: true })
  @Type(() => CreateRecordDto)
  @ArrayMaxSize(MAX_BATCH_RECORDS)
  @ArrayMinSize(1)
  @IsArray()
  @IsDefined()
  records: CreateRecordDto[];
}

export class RecordBatchResponse {
  @ApiProperty({ type: [RecordResponse], description: 'The records created, in request order.' })
  items: RecordResponse[];
}
