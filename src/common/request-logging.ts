import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino, { DestinationStream, Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Environment } from '../config/environment';
import { loggedUrl } from './logged-url';
import { requestIdOf } from './request-id';
import { traceLogFields, tracingStarted } from './tracing';

/** Where the service logs (its level is LOG_LEVEL); tests pass their own destination in. */
export interface LoggingOptions {
  /** Where the JSON lines go; stdout, written asynchronously, when absent. */
  destination?: DestinationStream;
}

/** The route template a request matched (adapter-specific), undefined when none did. */
export type RouteOf = (request: IncomingMessage) => string | undefined;

/**
 * The service's loggers: one root pino logger and the request logger (pino-http) that
 * binds `request_id` to every line written while serving a request and ends each request
 * with one `request completed` line. Cheap by construction:
 * - the line carries only method, URL (query secrets redacted), route, status, response
 *   time and request id: no header is ever serialised, so none can leak (Authorization,
 *   X-API-Key, Cookie, Api-Key, ...);
 * - when the level drops info, no completion line is built or listened for;
 * - lines go to stdout through pino's asynchronous destination (flushed on shutdown by
 *   `flush()`), so writing a line never blocks the event loop.
 */
export class RequestLogging {
  readonly root: Logger;
  private readonly destination: DestinationStream;

  constructor(level: string, destination?: DestinationStream) {
    this.destination = destination ?? pino.destination({ dest: 1, sync: false });
    // With tracing on, every line names the span it was written in (trace_id, span_id).
    this.root = pino(
      { level, mixin: tracingStarted() ? traceLogFields : undefined },
      this.destination,
    );
  }

  /**
   * The first middleware of all: assigns the request id (and its response header), so even
   * a body the parser rejects is answered and logged with it; `routeOf` names the route in
   * the completion line.
   */
  middleware(routeOf: RouteOf) {
    const completion = (request: IncomingMessage, response: ServerResponse, time: unknown) => ({
      method: request.method,
      url: loggedUrl(request.url),
      route: routeOf(request) ?? null,
      status: response.statusCode,
      responseTime: time,
    });
    return pinoHttp({
      logger: this.root,
      genReqId: (request, response) =>
        requestIdOf(request as Parameters<typeof requestIdOf>[0], response),
      customAttributeKeys: { reqId: 'request_id' },
      // req.log and the completion line are the logger bound to request_id only.
      quietReqLogger: true,
      quietResLogger: true,
      // Raw objects to the serializers below, never pino's copies of every header.
      wrapSerializers: false,
      // pino-http binds the raw request to a child logger nobody logs with: bind nothing.
      serializers: { req: () => undefined, err: pino.stdSerializers.err },
      autoLogging: this.root.isLevelEnabled('info'),
      customSuccessObject: (request, response, fields) =>
        completion(request, response, fields.responseTime),
      // The filter has logged what went wrong, with the stack: the line says only what was answered.
      customErrorObject: (request, response, _error, fields) =>
        completion(request, response, fields.responseTime),
    });
  }

  /** Writes out what the asynchronous destination still holds (before the process exits). */
  flush(): void {
    const stream = this.destination as DestinationStream & { flushSync?: () => void };
    stream.flushSync?.();
  }
}

/** Provides the one RequestLogging to every module (nestjs-pino's, the exception filter). */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions = {}): DynamicModule {
    return {
      module: LoggingModule,
      providers: [
        {
          provide: RequestLogging,
          inject: [ConfigService],
          useFactory: (config: ConfigService<Environment, true>) =>
            new RequestLogging(config.get('LOG_LEVEL', { infer: true }), options.destination),
        },
      ],
      exports: [RequestLogging],
    };
  }
}
