import { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { describeResponses, ProblemDoc } from './common/api-docs';
import { Environment } from './config/environment';
import { SERVICE_VERSION } from './config/service-version';
import { documentSecurity } from './security/api-docs-security';
import { WebhookEventBody } from './webhooks/dto/webhook-endpoint.dto';
import { describeWebhookCallbacks } from './webhooks/webhook-callbacks';

/** What the served document depends on: it describes the service as configured. */
export interface ApiDocumentOptions {
  /** API_KEYS is set: every POST needs a key and may answer 401. */
  apiKeys: boolean;
  /** RATE_LIMIT_PER_MINUTE is above 0: the API routes may answer 429. */
  rateLimit: boolean;
}

export function apiDocumentOptions(config: ConfigService<Environment, true>): ApiDocumentOptions {
  return {
    apiKeys: config.get('API_KEYS', { infer: true }).length > 0,
    rateLimit: config.get('RATE_LIMIT_PER_MINUTE', { infer: true }) > 0,
  };
}

const DESCRIPTION = [
  'Takes in records from many sources, processes each exactly once (pending -> processed | failed), and reports on them.',
  '',
  'Every response carries `X-Request-ID`. Errors are RFC 9457 problem documents (`application/problem+json`) whose `type` is a page of this service (`/problems/{name}`) saying what the problem means and what to do.',
  '',
  '`HEAD` is answered wherever `GET` is (the same status and headers, no body). A path listed here called with a method it does not list is answered `405 MethodNotAllowed` with an `Allow` header; a path not listed here is `404 NotFound` (type `/problems/route-not-found`).',
].join('\n');

/**
 * The OpenAPI document served at /docs-json, built from the controllers' decorators.
 * `npm run lint` writes it with scripts/openapi-document.ts and lints it with Redocly.
 */
export function createApiDocument(
  app: INestApplication,
  options: ApiDocumentOptions,
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Workflow Service')
    .setDescription(DESCRIPTION)
    .setVersion(SERVICE_VERSION)
    // Relative: the document is served by the service it describes, wherever it runs.
    .addServer('/', 'This service')
    .addTag('records', 'Records and their transitions')
    .addTag('reports', 'Counts by status and category')
    .addTag(
      'webhooks',
      'Endpoints that receive record events (POSTed as the WebhookEventBody schema, signed per Standard Webhooks)',
    )
    .addTag('health', 'Readiness and liveness probes')
    .addTag('operations', 'What is running, and its metrics')
    .addTag('problems', 'What each error type means and what to do about it');
  if (options.apiKeys) {
    builder
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api-key')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key' }, 'bearer');
  }
  const config = builder.build();
  // As in package.json: proprietary, no licence granted (the URL says what that term means).
  config.info.license = {
    name: 'UNLICENSED',
    url: 'https://docs.npmjs.com/cli/v11/configuring-npm/package-json#license',
  };
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDoc, WebhookEventBody],
    // recordsFindOne rather than RecordsController_findOne.
    operationIdFactory: (controllerKey, methodKey) =>
      controllerKey.replace(/Controller$/, '').replace(/^./, (first) => first.toLowerCase()) +
      methodKey.replace(/^./, (first) => first.toUpperCase()),
  });
  documentSecurity(document, options);
  describeResponses(document);
  describeWebhookCallbacks(document);
  return document;
}
