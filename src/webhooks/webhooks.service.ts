import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { uuidv7 } from 'uuidv7';
import { WebhookDeliveryNotFoundError, WebhookNotFoundError } from '../common/domain-errors';
import { RequestValidationError } from '../common/problem';
import { Environment } from '../config/environment';
import {
  ListDeliveriesQuery,
  WebhookDeliveryPageResponse,
  WebhookDeliveryResponse,
} from './dto/webhook-delivery.dto';
import {
  CreatedWebhookEndpointResponse,
  CreateWebhookDto,
  UpdateWebhookDto,
  WebhookEndpointListResponse,
  WebhookEndpointResponse,
  WebhookSecretResponse,
} from './dto/webhook-endpoint.dto';
import { SecretBox } from './secret-box';
import { PrivateAddressError, resolvePublic, urlProblem } from './url-guard';
import { DeliveryRow, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WEBHOOK_EVENT_TYPES } from './webhook-event-type';
import { EndpointWithOutcome, WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { newWebhookSecret } from './webhook-signature';

/** How long the secret before a rotation still signs deliveries. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

const CURSOR = /^d1\.([a-z]*)\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Webhook endpoints and their deliveries, as the API manages them. */
@Injectable()
export class WebhooksService {
  private readonly allowPrivate: boolean;

  constructor(
    private readonly endpoints: WebhookEndpointsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly secrets: SecretBox,
    config: ConfigService<Environment, true>,
  ) {
    this.allowPrivate = config.get('WEBHOOK_ALLOW_PRIVATE_URLS', { infer: true });
  }

  async create(dto: CreateWebhookDto): Promise<CreatedWebhookEndpointResponse> {
    await this.checkUrl(dto.url);
    const id = uuidv7();
    const secret = newWebhookSecret();
    const created = await this.endpoints.create({
      id,
      url: dto.url,
      events: dto.events ?? [...WEBHOOK_EVENT_TYPES],
      description: dto.description ?? null,
      sealedSecret: this.secrets.seal(secret, id),
    });
    return { ...toEndpointResponse({ ...created, ...NO_OUTCOME }), secret };
  }

  async list(): Promise<WebhookEndpointListResponse> {
    return { items: (await this.endpoints.list()).map(toEndpointResponse) };
  }

  async findOne(id: string): Promise<WebhookEndpointResponse> {
    const endpoint = await this.endpoints.findWithOutcome(id);
    if (!endpoint) throw new WebhookNotFoundError(id);
    return toEndpointResponse(endpoint);
  }

  async update(id: string, dto: UpdateWebhookDto): Promise<WebhookEndpointResponse> {
    if (dto.url !== undefined) await this.checkUrl(dto.url);
    const updated = await this.endpoints.update(id, dto);
    if (!updated) throw new WebhookNotFoundError(id);
    return this.findOne(id);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.endpoints.delete(id))) throw new WebhookNotFoundError(id);
  }

  async rotateSecret(id: string): Promise<WebhookSecretResponse> {
    const secret = newWebhookSecret();
    const until = new Date(Date.now() + ROTATION_OVERLAP_MS);
    if (!(await this.endpoints.rotateSecret(id, this.secrets.seal(secret, id), until))) {
      throw new WebhookNotFoundError(id);
    }
    return { secret };
  }

  async deliveriesOf(id: string, query: ListDeliveriesQuery): Promise<WebhookDeliveryPageResponse> {
    const before = query.cursor === undefined ? undefined : this.cursorPosition(query);
    if (!(await this.endpoints.findById(id))) throw new WebhookNotFoundError(id);
    const rows = await this.deliveries.page(id, {
      status: query.status,
      before,
      limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map(toDeliveryResponse);
    const more = rows.length > query.limit;
    return {
      items,
      next_cursor: more ? `d1.${query.status ?? ''}.${items[items.length - 1].id}` : null,
    };
  }

  async redeliver(deliveryId: string): Promise<WebhookDeliveryResponse> {
    const row = await this.deliveries.redeliver(deliveryId);
    if (!row) throw new WebhookDeliveryNotFoundError(deliveryId);
    return toDeliveryResponse(row);
  }

  /** A cursor this service made for this filter: the id the page continues after. */
  private cursorPosition(query: ListDeliveriesQuery): string {
    const match = CURSOR.exec(query.cursor ?? '');
    if (!match || match[1] !== (query.status ?? '')) {
      throw new RequestValidationError([
        { field: 'cursor', message: 'cursor is not one this service made for these filters' },
      ]);
    }
    return match[2];
  }

  /** The URL rules and the private-address guard (400 naming `url`). */
  private async checkUrl(url: string): Promise<void> {
    const problem = urlProblem(url);
    const refuse = (message: string) => new RequestValidationError([{ field: 'url', message }]);
    if (problem) throw refuse(problem);
    try {
      await resolvePublic(new URL(url).hostname, this.allowPrivate);
    } catch (error) {
      if (error instanceof PrivateAddressError) throw refuse(`url refused: ${error.message}`);
      throw refuse(`url host ${new URL(url).hostname} could not be resolved`);
    }
  }
}

const NO_OUTCOME = {
  last_status: null,
  last_status_code: null,
  last_error: null,
  last_attempt_at: null,
} as const;

function toEndpointResponse(endpoint: EndpointWithOutcome): WebhookEndpointResponse {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events as WebhookEndpointResponse['events'],
    description: endpoint.description,
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabled_reason,
    created_at: endpoint.created_at.toISOString(),
    updated_at: endpoint.updated_at.toISOString(),
    last_outcome:
      endpoint.last_status && endpoint.last_attempt_at
        ? {
            status: endpoint.last_status,
            status_code: endpoint.last_status_code,
            error: endpoint.last_error,
            at: endpoint.last_attempt_at.toISOString(),
          }
        : null,
  };
}

function toDeliveryResponse(row: DeliveryRow): WebhookDeliveryResponse {
  return {
    id: row.id,
    event_id: row.event_id,
    event_type: row.event_type,
    record_id: row.record_id,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    delivered_at: row.delivered_at?.toISOString() ?? null,
  };
}
