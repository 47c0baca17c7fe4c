import { Module, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PinoLogger } from 'nestjs-pino';
import { Environment } from '../config/environment';
import { SecretBox } from './secret-box';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';
import { WebhookRelay } from './webhook-relay';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/**
 * Webhooks: the endpoint API, and the relay that posts what the fan-out trigger on
 * record_events queued (migrations/1765100000000-webhooks.ts). Nothing in records/
 * knows about webhooks: every record change writes its event row, and the trigger
 * does the rest in the same transaction.
 */
@Module({
  controllers: [WebhooksController],
  providers: [
    WebhooksService,
    WebhookEndpointsRepository,
    WebhookDeliveriesRepository,
    WebhookRelay,
    {
      provide: SecretBox,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Environment, true>) =>
        new SecretBox(config.get('WEBHOOK_SECRET_KEY', { infer: true })),
    },
  ],
})
export class WebhooksModule implements OnModuleInit {
  constructor(
    private readonly secrets: SecretBox,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(WebhooksModule.name);
  }

  onModuleInit(): void {
    if (!this.secrets.encrypts) {
      this.logger.warn(
        'WEBHOOK_SECRET_KEY is not set: webhook secrets are stored unencrypted in the database',
      );
    }
  }
}
