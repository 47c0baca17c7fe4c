import { DynamicModule, UnsupportedMediaTypeException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { parseJsonBody } from '../common/json-body';
import { REQUEST_ID_HEADER, requestIdOf } from '../common/request-id';
import { RequestLogging } from '../common/request-logging';
import { tracingMiddleware, tracingStarted } from '../common/tracing';
import { HttpMetrics } from '../metrics/http-metrics';
import { ApiKeys } from '../security/api-keys';
import { RateLimit } from '../security/rate-limit';
import {
  bodyRulesFor,
  hasContent,
  MAX_BODY_LIMIT_BYTES,
  HELMET_OPTIONS,
  UNSUPPORTED_MEDIA_TYPE_MESSAGE,
} from './http-rules';
import { requestGate } from './request-gate';

/** `application/json` is registered by name; this matches the `application/*+json` family. */
const JSON_SUFFIX_TYPE = /^application\/[^\s/;]+\+json(?:\s*;.*)?$/i;

/** Where the onRequest hook leaves the matched route template, on the raw request. */
const ROUTE_TEMPLATE = Symbol('route template');
type RoutedRequest = IncomingMessage & { [ROUTE_TEMPLATE]?: string };

type Done = (error: Error | null, body: unknown) => void;

/**
 * Request bodies, as on Express (express.ts): read by the adapter-neutral
 * src/common/json-body.ts with raw-body (body-parser's reader: the same 413). A write the
 * API keys refuse is not read at all (the guard then answers 401, whatever its body); what
 * requestGate refuses (not JSON, not UTF-8, encoded) never gets here; an empty body is `{}`.
 */
function registerBodyParsers(fastify: FastifyInstance, apiKeys: ApiKeys): void {
  fastify.removeAllContentTypeParsers();
  const json = (request: FastifyRequest, payload: IncomingMessage, done: Done) => {
    if (!apiKeys.allows(request.raw)) return done(null, undefined);
    const rules = bodyRulesFor(request.url);
    getRawBody(payload, { limit: rules.limit, length: request.headers['content-length'] })
      .then((raw) => done(null, parseJsonBody(raw, rules.payloads)))
      .catch((error: Error) => done(error, undefined));
  };
  fastify.addContentTypeParser('application/json', json);
  fastify.addContentTypeParser(JSON_SUFFIX_TYPE, json);
  // Every other type, and a body without one: refused unread, unless it is empty.
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload, done: Done) => {
    if (hasContent(request.headers) && apiKeys.allows(request.raw)) {
      return done(new UnsupportedMediaTypeException(UNSUPPORTED_MEDIA_TYPE_MESSAGE), undefined);
    }
    done(null, undefined);
  });
}

/** The application on Fastify (HTTP_ADAPTER=fastify): everything Fastify-specific is here. */
export async function createFastifyApp(module: DynamicModule): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Each route's own limit is applied by the body reader (registerBodyParsers).
    bodyLimit: MAX_BODY_LIMIT_BYTES,
    // The request logger writes the one line per request (see request-logging.ts). Set on
    // a LogController: the top-level disableRequestLogging writes a plain-text
    // deprecation warning (FSTDEP023) to stderr at start-up.
    logController: new LogController({ disableRequestLogging: true }),
    // Fastify's request id is the service's (the client's X-Request-ID when well-formed).
    genReqId: (request: unknown) => requestIdOf(request as Parameters<typeof requestIdOf>[0]),
    // Routes match as on Express: case-insensitive, with or without a trailing slash.
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false },
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    bodyParser: false,
    // Fail by throwing (main.ts then says what went wrong and exits 1), not by exiting here.
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(fastify, app.get(ApiKeys));
  // Node's parser refusals are answered by hardenHttpServer's handler (app.setup.ts), as on
  // Express; Fastify's own would answer them a second time, in another shape.
  fastify.server.removeAllListeners('clientError');
  const logging = app.get(RequestLogging);
  // request.log, which middie hands to the middleware as req.log, is the service's logger
  // bound to request_id (Fastify's own is silent): the request logger, nestjs-pino and the
  // exception filter then log with it, as on Express.
  fastify.setChildLoggerFactory((_logger, _bindings, _options, raw) =>
    logging.root.child({ request_id: (raw as { id?: string }).id }),
  );

  // Before any middleware: the request id header on every answer, refusals included. It is
  // set on the Node response, where the parser-error handler (client-errors.ts) finds it
  // when a body turns out to be malformed or stalls.
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.raw.setHeader(REQUEST_ID_HEADER, request.id);
    done();
  });
  // Once the body is accepted, the route template, where the request logger and the
  // metrics (which see the raw request) find it. As on Express, where routing follows the
  // body parser, a body refused (400, 413, 415) or no route matched leaves it unset.
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (!request.is404) (request.raw as RoutedRequest)[ROUTE_TEMPLATE] = request.routeOptions.url;
    done();
  });
  const routeTemplate = (request: IncomingMessage) => (request as RoutedRequest)[ROUTE_TEMPLATE];

  // The same middleware, in the same order, as on Express (see express.ts).
  app.use(logging.middleware(routeTemplate));
  if (tracingStarted()) app.use(tracingMiddleware(routeTemplate));
  app.use(app.get(HttpMetrics).middleware(routeTemplate));
  app.use(helmet(HELMET_OPTIONS));
  app.use(app.get(RateLimit).middleware());
  app.use(requestGate(app.get(ApiKeys)));
  return app;
}
