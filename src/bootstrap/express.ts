import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, raw, Request, Response } from 'express';
import helmet from 'helmet';
import { parseJsonBody } from '../common/json-body';
import { RequestLogging } from '../common/request-logging';
import { tracingMiddleware, tracingStarted } from '../common/tracing';
import { HttpMetrics } from '../metrics/http-metrics';
import { ApiKeys } from '../security/api-keys';
import { RateLimit } from '../security/rate-limit';
import { bodyRulesFor, hasContent, HELMET_OPTIONS, JSON_TYPES } from './http-rules';
import { requestGate } from './request-gate';

/**
 * Request bodies, read by the adapter-neutral src/common/json-body.ts once requestGate has
 * let them through (JSON, UTF-8, not encoded). A write the API keys refuse is not read at
 * all (the guard then answers 401, whatever its body); GET and HEAD bodies are ignored, as
 * Fastify ignores them; a body over the limit is refused (413).
 */
function jsonBodies(apiKeys: ApiKeys) {
  const readers = new Map<number, ReturnType<typeof raw>>();
  const readerFor = (limit: number) => {
    let reader = readers.get(limit);
    if (!reader) readers.set(limit, (reader = raw({ limit, type: JSON_TYPES, inflate: false })));
    return reader;
  };
  return (request: Request, response: Response, next: NextFunction): void => {
    if (request.method === 'GET' || request.method === 'HEAD') return next();
    if (!hasContent(request.headers) || !apiKeys.allows(request)) return next();
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
  app.use(app.get(RateLimit).middleware());
  app.use(requestGate(app.get(ApiKeys)));
  app.use(jsonBodies(app.get(ApiKeys)));
  return app;
}
