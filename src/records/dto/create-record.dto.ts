import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsString } from 'class-validator';
import { trim } from '../../common/category-source.filter';
import { IsCodePointLength, IsStorablePayload, IsStorableText } from '../../common/storable-json';

export class CreateRecordDto {
  @ApiProperty({ example: 'api', minLength: 1, maxLength: 64, description: 'Trimmed.' })
  @Transform(trim)
  @IsStorableText()
  @IsCodePointLength(1, 64)
  @IsString()
  source: string;

  @ApiProperty({ example: 'order', minLength: 1, maxLength: 64, description: 'Trimmed.' })
  @Transform(trim)
  @IsStorableText()
  @IsCodePointLength(1, 64)
  @IsString()
  category: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: { order_id: '12345', amount: 99.99 },
    description:
      'A JSON object: at most 64 KiB serialized, 32 levels deep, no NUL characters or unpaired surrogates.',
  })
  @IsStorablePayload()
  @IsDefined()
  payload: Record<string, unknown>;
}
