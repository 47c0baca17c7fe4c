import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { UnsupportedMediaTypeException } from '@nestjs/common';
import { NextFunction, raw, Request, Response } from 'express';
import helmet from 'helmet';
import typeIs from 'type-is';
import { Logger } from 'nestjs-pino';
import { apiDocumentOptions, createApiDocument } from './api-document';
import { AppModule, AppOptions } from './app.module';
import { hardenHttpServer } from './common/client-errors';
import { isUtf8ContentType, parseJsonBody } from './common/json-body';
import { RequestLogging } from './common/request-logging';
import { Environment } from './config/environment';
import { HttpMetrics } from './metrics/http-metrics';
import { ApiKeys } from './security/api-keys';

export const BODY_LIMIT = '1mb';

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Request bodies, read by the adapter-neutral src/common/json-body.ts. A write the API keys
 * refuse is not read at all (the guard then answers 401, whatever its body). A body that is
 * not declared as JSON (415; `Content-Length: 0`, what fetch sends on a POST without a body,
 * is no body at all), not in UTF-8 (415), or over BODY_LIMIT (413) is refused.
 */
function jsonBodies(apiKeys: ApiKeys) {
  const readRaw = raw({ limit: BODY_LIMIT, type: JSON_TYPES });
  return (request: Request, response: Response, next: NextFunction): void => {
    const hasContent =
      request.headers['transfer-encoding'] !== undefined ||
      Number(request.headers['content-length']) > 0;
    if (!hasContent || !apiKeys.allows(request)) return next();
    if (!typeIs(request, JSON_TYPES)) {
      return next(new UnsupportedMediaTypeException('Content-Type must be application/json'));
    }
    if (!isUtf8ContentType(request.headers['content-type'])) {
      return next(new UnsupportedMediaTypeException('Content-Type charset must be utf-8'));
    }
    readRaw(request, response, (error?: unknown) => {
      if (error) return next(error);
      try {
        if (Buffer.isBuffer(request.body)) request.body = parseJsonBody(request.body);
      } catch (parseError) {
        return next(parseError);
      }
      next();
    });
  };
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
  const config = app.get(ConfigService<Environment, true>);
  hardenHttpServer(
    app.getHttpServer(),
    {
      headersTimeoutMs: config.get('HTTP_HEADERS_TIMEOUT_MS', { infer: true }),
      requestTimeoutMs: config.get('HTTP_REQUEST_TIMEOUT_MS', { infer: true }),
    },
    app.get(RequestLogging).root,
  );
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
  app.use(jsonBodies(app.get(ApiKeys)));

  const document = createApiDocument(app, apiDocumentOptions(config));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
