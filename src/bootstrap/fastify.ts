import { DynamicModule, BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage } from 'node:http';
import { REQUEST_ID_HEADER, requestIdOf } from '../common/request-id';
import { RequestLogging } from '../common/request-logging';
import { HttpMetrics } from '../metrics/http-metrics';
import {
  BODY_LIMIT_BYTES,
  hasContent,
  HELMET_OPTIONS,
  INVALID_JSON_MESSAGE,
  UNSUPPORTED_MEDIA_TYPE_MESSAGE,
} from './http-rules';

/** `application/json` is registered by name; this matches the `application/*+json` family. */
const JSON_SUFFIX_TYPE = /^application\/[^\s/;]+\+json(?:\s*;.*)?$/i;

/** Where the onRequest hook leaves the matched route template, on the raw request. */
const ROUTE_TEMPLATE = Symbol('route template');
type RoutedRequest = IncomingMessage & { [ROUTE_TEMPLATE]?: string };

/**
 * The one JSON parser of the Fastify bootstrap (a raw body of a JSON media type ->
 * the value the handler gets), with Express's body-parser rules: an empty body is no
 * body; the top level must be an object or an array; anything else is a 400.
 */
export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  const text = raw.toString('utf8');
  const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new BadRequestException(INVALID_JSON_MESSAGE);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BadRequestException(INVALID_JSON_MESSAGE);
  }
}

/** Only JSON bodies are read (up to 1 MiB, 413 above); any other body is a 415. */
function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  const json = (
    _request: unknown,
    body: Buffer,
    done: (error: Error | null, value?: unknown) => void,
  ) => {
    let value: unknown;
    try {
      value = parseJson(body);
    } catch (error) {
      done(error as Error);
      return;
    }
    done(null, value);
  };
  const options = { parseAs: 'buffer' as const, bodyLimit: BODY_LIMIT_BYTES };
  fastify.addContentTypeParser('application/json', options, json);
  fastify.addContentTypeParser(JSON_SUFFIX_TYPE, options, json);
  // Every other type, and a body without one: refused unread, unless it is empty.
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload, done) => {
    if (hasContent(request.headers)) {
      done(new UnsupportedMediaTypeException(UNSUPPORTED_MEDIA_TYPE_MESSAGE), undefined);
      return;
    }
    done(null, undefined);
  });
}

/** The application on Fastify (HTTP_ADAPTER=fastify): everything Fastify-specific is here. */
export async function createFastifyApp(module: DynamicModule): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // The request logger writes the one line per request (see request-logging.ts).
    disableRequestLogging: true,
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
  registerBodyParsers(fastify);
  const logging = app.get(RequestLogging);
  // request.log, which middie hands to the middleware as req.log, is the service's logger
  // bound to request_id (Fastify's own is silent): the request logger, nestjs-pino and the
  // exception filter then log with it, as on Express.
  fastify.setChildLoggerFactory((_logger, _bindings, _options, raw) =>
    logging.root.child({ request_id: (raw as { id?: string }).id }),
  );

  // Before any middleware: the request id header on every answer, refusals included.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
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
  app.use(app.get(HttpMetrics).middleware(routeTemplate));
  app.use(helmet(HELMET_OPTIONS));
  return app;
}
