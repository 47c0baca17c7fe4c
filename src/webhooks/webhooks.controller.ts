import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblems, ApiRequestIdHeader } from '../common/api-docs';
import { RequireApiKeyForReads } from '../security/api-key.guard';
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
import { WebhooksService } from './webhooks.service';

/** Every /webhooks route, reads included, needs the API key when keys are configured. */
@ApiTags('webhooks')
@ApiRequestIdHeader()
@ApiProblems('service-unavailable')
@RequireApiKeyForReads()
@Controller('webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Subscribe an endpoint to record events',
    description: 'Answers the endpoint with its signing secret, shown this once.',
  })
  @ApiCreatedResponse({
    type: CreatedWebhookEndpointResponse,
    headers: {
      Location: {
        description: '/webhooks/{id}',
        required: true,
        schema: { type: 'string', pattern: '^/webhooks/[0-9a-f-]{36}$' },
      },
    },
  })
  @ApiProblems('validation-error', 'malformed-request')
  async create(
    @Body() dto: CreateWebhookDto,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<CreatedWebhookEndpointResponse> {
    const endpoint = await this.webhooks.create(dto);
    this.adapterHost.httpAdapter.setHeader(response, 'Location', `/webhooks/${endpoint.id}`);
    return endpoint;
  }

  @Get()
  @ApiOperation({ summary: 'List webhook endpoints (without secrets), oldest first' })
  @ApiOkResponse({ type: WebhookEndpointListResponse })
  list(): Promise<WebhookEndpointListResponse> {
    return this.webhooks.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a webhook endpoint (without its secret)' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiProblems('webhook-not-found')
  findOne(@Param('id') id: string): Promise<WebhookEndpointResponse> {
    return this.webhooks.findOne(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the url, events, description or enabled of an endpoint' })
  @ApiOkResponse({ type: WebhookEndpointResponse })
  @ApiProblems('validation-error', 'malformed-request', 'webhook-not-found')
  update(@Param('id') id: string, @Body() dto: UpdateWebhookDto): Promise<WebhookEndpointResponse> {
    return this.webhooks.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and drop its pending deliveries' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblems('webhook-not-found')
  remove(@Param('id') id: string): Promise<void> {
    return this.webhooks.remove(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: "Replace an endpoint's signing secret",
    description:
      'Answers the new secret, shown this once. For 24 hours deliveries are signed with both the old and the new secret.',
  })
  @ApiOkResponse({ type: WebhookSecretResponse })
  @ApiProblems('webhook-not-found')
  rotateSecret(@Param('id') id: string): Promise<WebhookSecretResponse> {
    return this.webhooks.rotateSecret(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "An endpoint's deliveries, newest first, cursor paged" })
  @ApiOkResponse({ type: WebhookDeliveryPageResponse })
  @ApiProblems('validation-error', 'malformed-request', 'webhook-not-found')
  deliveries(
    @Param('id') id: string,
    @Query() query: ListDeliveriesQuery,
  ): Promise<WebhookDeliveryPageResponse> {
    return this.webhooks.deliveriesOf(id, query);
  }

  @Post('deliveries/:id/redeliver')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue one more attempt of a delivery, now, whatever its status',
    description:
      'A delivery that had succeeded or failed gets exactly one more attempt; a pending one is tried now and keeps its schedule. The webhook-id stays the same.',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse })
  @ApiProblems('webhook-delivery-not-found')
  redeliver(@Param('id') id: string): Promise<WebhookDeliveryResponse> {
    return this.webhooks.redeliver(id);
  }
}
