import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { json, Request } from 'express';
import helmet from 'helmet';
import typeIs from 'type-is';
import { Logger } from 'nestjs-pino';
import { apiDocumentOptions, createApiDocument } from './api-document';
import { AppModule, AppOptions } from './app.module';
import { RequestLogging } from './common/request-logging';
import { HttpMetrics } from './metrics/http-metrics';

export const BODY_LIMIT = '1mb';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * A body that is not JSON is refused (415), rather than read as an empty one.
 * `Content-Length: 0` (what fetch sends on a POST without a body, such as
 * /records/{id}/process) is no body at all, whatever its type.
 */
function rejectNonJsonBodies(
  request: Parameters<typeof typeIs.hasBody>[0],
  _response: unknown,
  next: (error?: unknown) => void,
): void {
  const hasContent =
    request.headers['transfer-encoding'] !== undefined ||
    Number(request.headers['content-length']) > 0;
  if (hasContent && !typeIs(request, JSON_TYPES)) {
    next(new UnsupportedMediaTypeException('Content-Type must be application/json'));
    return;
  }
  next();
}

/**
 * The matched route template (/records/:id), which Express sets in req.route once routing
 * ran; undefined when no route matched (a catch-all such as Nest's 404 route says nothing).
 */
function routeTemplate(request: unknown): string | undefined {
  const path: unknown = (request as Request).route?.path;
  return typeof path === 'string' && !path.includes('*') ? path : undefined;
}

/**
 * Builds the application exactly as it runs: main.ts and the e2e tests share this,
 * so the tests exercise the real middleware order. Express specifics live here only.
 * `overrides` take precedence over the environment's configuration.
 */
export async function createApp(
  overrides: Record<string, string> = {},
  options: AppOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.configured(overrides, options),
    {
      bufferLogs: true,
      bodyParser: false,
      // Fail by throwing (main.ts then says what went wrong and exits 1), not by exiting here.
      abortOnError: false,
    },
  );
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // No ETag: it hashes every response body, and these answers are not cached by clients.
  app.set('etag', false);
  app.set('query parser', 'simple');

  // Order matters: the request id and its logger first, so even a body the parser rejects is
  // answered and logged with it; then the metrics, so every answer (errors from the parser,
  // guards and filter included) is counted.
  app.use(app.get(RequestLogging).middleware(routeTemplate));
  app.use(app.get(HttpMetrics).middleware(routeTemplate));
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          // The Swagger UI at /docs loads its scripts from /docs and has inline <style> blocks.
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          // Served over plain HTTP too (behind a TLS-terminating proxy, or locally).
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.use(json({ limit: BODY_LIMIT, type: JSON_TYPES }));
  app.use(rejectNonJsonBodies);

  const document = createApiDocument(app, apiDocumentOptions(app.get(ConfigService)));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
