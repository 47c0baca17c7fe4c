import { ArgumentsHost, Catch, ExceptionFilter, NotFoundException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Logger } from 'pino';
import { MethodNotAllowedError, toProblem } from './problem';
import { REQUEST_ID_HEADER, requestIdOf } from './request-id';
import { RequestLogging } from './request-logging';
import { RouteTable } from './route-table';

/** The one place where a failure becomes an HTTP answer (see problem.ts). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly logging: RequestLogging,
    private readonly routes: RouteTable,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest();
    const response = http.getResponse();
    const { httpAdapter } = this.adapterHost;
    const requestId = requestIdOf(request, response);
    const path = String(httpAdapter.getRequestUrl(request)).split('?')[0];
    const problem = toProblem(this.methodNotAllowed(exception, request, path), path, requestId);

    if (problem.unexpected) {
      this.log(request, requestId).error(
        { context: AllExceptionsFilter.name, err: exception },
        'unhandled error',
      );
    } else if (problem.status >= 500) {
      this.log(request, requestId).warn(
        { context: AllExceptionsFilter.name, reason: String((exception as Error)?.message) },
        problem.body.message,
      );
    }
    // Also on a refusal by a middleware that ran before the adapter set it (Fastify's hooks).
    httpAdapter.setHeader(response, REQUEST_ID_HEADER, requestId);
    for (const [name, value] of Object.entries(problem.headers)) {
      httpAdapter.setHeader(response, name, value);
    }
    httpAdapter.setHeader(response, 'Content-Type', 'application/problem+json');
    httpAdapter.reply(response, JSON.stringify(problem.body), problem.status);
  }

  /**
   * A 404 from routing on a path that is served with other methods is a 405 (with Allow).
   * Only requests that matched no route get here, so the table is read on that path alone.
   */
  private methodNotAllowed(exception: unknown, request: { method?: string }, path: string) {
    if (!(exception instanceof NotFoundException)) return exception;
    const method = String(request.method).toUpperCase();
    const allowed = this.routes.allowedMethods(path);
    return allowed.length > 0 && !allowed.includes(method)
      ? new MethodNotAllowedError(method, path, allowed)
      : exception;
  }

  /**
   * The request's own logger (bound to its request_id by the request logger, which runs
   * first), so the id is on the line exactly once; the root logger with the id otherwise.
   */
  private log(request: { log?: Logger }, requestId: string): Logger {
    return request.log ?? this.logging.root.child({ request_id: requestId });
  }
}
