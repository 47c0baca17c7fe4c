import { DynamicModule, UnsupportedMediaTypeException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { json, Request } from 'express';
import helmet from 'helmet';
import typeIs from 'type-is';
import { RequestLogging } from '../common/request-logging';
import { HttpMetrics } from '../metrics/http-metrics';
import {
  BODY_LIMIT_BYTES,
  hasContent,
  HELMET_OPTIONS,
  JSON_TYPES,
  UNSUPPORTED_MEDIA_TYPE_MESSAGE,
} from './http-rules';

/** A body that is not JSON is refused (415), rather than read as an empty one. */
function rejectNonJsonBodies(
  request: Parameters<typeof typeIs.hasBody>[0],
  _response: unknown,
  next: (error?: unknown) => void,
): void {
  if (hasContent(request.headers) && !typeIs(request, JSON_TYPES)) {
    next(new UnsupportedMediaTypeException(UNSUPPORTED_MEDIA_TYPE_MESSAGE));
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
  app.use(app.get(HttpMetrics).middleware(routeTemplate));
  app.use(helmet(HELMET_OPTIONS));
  app.use(json({ limit: BODY_LIMIT_BYTES, type: JSON_TYPES }));
  app.use(rejectNonJsonBodies);
  return app;
}
