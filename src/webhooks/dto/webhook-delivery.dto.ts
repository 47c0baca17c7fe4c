import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsString, Min } from 'class-validator';
import { IsOmittable } from '../../common/validation';
import { DELIVERY_STATUSES, DeliveryStatus, WEBHOOK_EVENT_TYPES } from '../webhook-event-type';

export const MAX_DELIVERY_LIMIT = 200;

const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

export class ListDeliveriesQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOmittable()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    default: 50,
    description: `Values above ${MAX_DELIVERY_LIMIT} are capped at ${MAX_DELIVERY_LIMIT}.`,
  })
  @IsOmittable()
  @Transform(({ value }: { value: unknown }) => {
    const limit = toInteger({ value });
    return typeof limit === 'number' ? Math.min(limit, MAX_DELIVERY_LIMIT) : limit;
  })
  @Min(1)
  @IsInt()
  limit: number = 50;

  @ApiPropertyOptional({
    description: 'The `next_cursor` of the previous page (with the same `status`).',
  })
  @IsOmittable()
  @IsString()
  cursor?: string;
}

export class WebhookDeliveryResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'evt_0193e0a1b2c37d4e8f9a0b1c2d3e4f50', description: 'The webhook-id.' })
  event_id: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES })
  event_type: string;

  @ApiProperty({ format: 'uuid' })
  record_id: string;

  @ApiProperty({ enum: DELIVERY_STATUSES })
  status: DeliveryStatus;

  @ApiProperty({ type: 'integer', minimum: 0 })
  attempts: number;

  @ApiProperty({ type: 'integer', nullable: true })
  last_status_code: number | null;

  @ApiProperty({ type: 'string', nullable: true })
  last_error: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  next_attempt_at: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  delivered_at: string | null;
}

export class WebhookDeliveryPageResponse {
  @ApiProperty({ type: [WebhookDeliveryResponse] })
  items: WebhookDeliveryResponse[];

  @ApiProperty({ type: 'string', nullable: true, description: 'Null on the last page.' })
  next_cursor: string | null;
}
