import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsString,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { IsOmittable } from '../../common/validation';
import { RecordResponse } from '../../records/dto/record.response';
import { WEBHOOK_EVENT_TYPES, WebhookEventType } from '../webhook-event-type';
import { MAX_WEBHOOK_URL_LENGTH } from '../url-guard';

export const MAX_DESCRIPTION_LENGTH = 1000;

const URL_DOC = {
  example: 'https://example.com/hooks/workflow',
  maxLength: MAX_WEBHOOK_URL_LENGTH,
  format: 'uri',
  description:
    'Absolute http or https URL. Refused (400) when its host is or resolves to a loopback, private, link-local or otherwise non-public address, unless WEBHOOK_ALLOW_PRIVATE_URLS=true.',
};

const EVENTS_DOC = {
  enum: WEBHOOK_EVENT_TYPES,
  isArray: true,
  minItems: 1,
  uniqueItems: true,
};

export class CreateWebhookDto {
  @ApiProperty(URL_DOC)
  @IsString()
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url: string;

  @ApiPropertyOptional({ ...EVENTS_DOC, default: [...WEBHOOK_EVENT_TYPES] })
  @IsOmittable()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events?: WebhookEventType[];

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: MAX_DESCRIPTION_LENGTH })
  @IsOmittable()
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string | null;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional(URL_DOC)
  @IsOmittable()
  @IsString()
  @MaxLength(MAX_WEBHOOK_URL_LENGTH)
  url?: string;

  @ApiPropertyOptional(EVENTS_DOC)
  @IsOmittable()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events?: WebhookEventType[];

  @ApiPropertyOptional({ type: 'string', nullable: true, maxLength: MAX_DESCRIPTION_LENGTH })
  // null clears the description: the one request field that takes null.
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @IsString()
  @MaxLength(MAX_DESCRIPTION_LENGTH)
  description?: string | null;

  @ApiPropertyOptional({ description: 'Re-enabling an endpoint disabled by a 410 resumes it.' })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;
}

export interface WebhookOutcomeResponse {
  status: string;
  status_code: number | null;
  error: string | null;
  at: string;
}

export class WebhookEndpointResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: URL_DOC.example })
  url: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  events: WebhookEventType[];

  @ApiProperty({ type: 'string', nullable: true })
  description: string | null;

  @ApiProperty()
  enabled: boolean;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description: 'Why the service disabled it (a 410 from the receiver), or null.',
  })
  disabled_reason: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;

  @ApiProperty({
    type: 'object',
    nullable: true,
    description: 'The delivery most recently attempted, as it stands (null before any attempt).',
    required: ['status', 'status_code', 'error', 'at'],
    properties: {
      status: { type: 'string', enum: ['pending', 'succeeded', 'failed'] },
      status_code: { type: 'integer', nullable: true, example: 200 },
      error: { type: 'string', nullable: true },
      at: { type: 'string', format: 'date-time' },
    },
  })
  last_outcome: WebhookOutcomeResponse | null;
}

export class CreatedWebhookEndpointResponse extends WebhookEndpointResponse {
  @ApiProperty({
    pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$',
    description: 'The signing secret: shown here and on rotation only.',
  })
  secret: string;
}

export class WebhookEndpointListResponse {
  @ApiProperty({ type: [WebhookEndpointResponse] })
  items: WebhookEndpointResponse[];
}

export class WebhookSecretResponse {
  @ApiProperty({ pattern: '^whsec_[A-Za-z0-9+/]+={0,2}$' })
  secret: string;
}

/**
 * The body of every webhook POST (the callback of POST /webhooks: the document is
 * OpenAPI 3.0, which has no `webhooks` section; see webhook-callbacks.ts). Sent with webhook-id (= id), webhook-timestamp and
 * webhook-signature (Standard Webhooks).
 */
export class WebhookEventBody {
  @ApiProperty({ example: 'evt_0193e0a1b2c37d4e8f9a0b1c2d3e4f50', pattern: '^evt_[0-9a-f]{32}$' })
  id: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES })
  type: WebhookEventType;

  @ApiProperty({ format: 'date-time', description: 'When the change happened.' })
  timestamp: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'The request that made the change.' })
  request_id: string | null;

  @ApiProperty({ type: RecordResponse, description: 'The record right after the change.' })
  data: RecordResponse;
}
