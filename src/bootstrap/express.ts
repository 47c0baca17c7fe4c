import { DynamicModule, UnsupportedMediaTypeException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, raw, Request, Response } from 'express';
import helmet from 'helmet';
import typeIs from 'type-is';
import { isUtf8ContentType, parseJsonBody } from '../common/json-body';
import { RequestLogging } from '../common/request-logging';
import { tracingMiddleware, tracingStarted } from '../common/tracing';
import { HttpMetrics } from '../metrics/http-metrics';
import { ApiKeys } from '../security/api-keys';
import {
  bodyRulesFor,
  hasContent,
  HELMET_OPTIONS,
  JSON_TYPES,
  UNSUPPORTED_CHARSET_MESSAGE,
  UNSUPPORTED_MEDIA_TYPE_MESSAGE,
} from './http-rules';

/**
 * Request bodies, read by the adapter-neutral src/common/json-body.ts. A write the API keys
 * refuse is not read at all (the guard then answers 401, whatever its body). A body that is
 * not declared as JSON (415), not in UTF-8 (415), or over the limit (413) is refused.
 */
function jsonBodies(apiKeys: ApiKeys) {
  const readers = new Map<number, ReturnType<typeof raw>>();
  const readerFor = (limit: number) => {
    let reader = readers.get(limit);
    if (!reader) readers.set(limit, (reader = raw({ limit, type: JSON_TYPES })));
    return reader;
  };
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!hasContent(request.headers) || !apiKeys.allows(request)) return next();
    if (!typeIs(request, JSON_TYPES)) {
      return next(new UnsupportedMediaTypeException(UNSUPPORTED_MEDIA_TYPE_MESSAGE));
    }
    if (!isUtf8ContentType(request.headers['content-type'])) {
      return next(new UnsupportedMediaTypeException(UNSUPPORTED_CHARSET_MESSAGE));
    }
    const rules = bodyRulesFor(request.url);
    readerFor(rules.limit)(request, response, (error?: unknown) => {
      if (error) return next(error);
      try {
        if (Buffer.isBuffer(request.body)) {
          request.body = parseJsonBody(request.body, rules.payloads);
        }
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

/** The application on Express (the default): everything Express-specific is here. */
export async function createExpressApp(module: DynamicModule): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bufferLogs: true,
    bodyParser: false,
    // Fail by throwing (main.ts then says what went wrong and exits 1), not by exiting here.
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // No ETag: it hashes every response body, and these answers are not cached by clients.
  app.set('etag', false);
  app.set('query parser', 'simple');

  // Order matters: the request id and its logger first, so even a body the parser rejects is
  // answered and logged with it; then the metrics, so every answer (errors from the parser,
  // guards and filter included) is counted.
  app.use(app.get(RequestLogging).middleware(routeTemplate));
  if (tracingStarted()) app.use(tracingMiddleware(routeTemplate));
  app.use(app.get(HttpMetrics).middleware(routeTemplate));
  app.use(helmet(HELMET_OPTIONS));
  app.use(jsonBodies(app.get(ApiKeys)));
  return app;
}
