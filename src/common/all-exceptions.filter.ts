import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Logger } from 'pino';
import { toProblem } from './problem';
import { requestIdOf } from './request-id';
import { RequestLogging } from './request-logging';

/** The one place where a failure becomes an HTTP answer (see problem.ts). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly logging: RequestLogging,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest();
    const response = http.getResponse();
    const { httpAdapter } = this.adapterHost;
    const requestId = requestIdOf(request, response);
    const path = String(httpAdapter.getRequestUrl(request)).split('?')[0];
    const problem = toProblem(exception, path, requestId);

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
    for (const [name, value] of Object.entries(problem.headers)) {
      httpAdapter.setHeader(response, name, value);
    }
    httpAdapter.setHeader(response, 'Content-Type', 'application/problem+json');
    httpAdapter.reply(response, JSON.stringify(problem.body), problem.status);
  }

  /**
   * The request's own logger (bound to its request_id by the request logger, which runs
   * first), so the id is on the line exactly once; the root logger with the id otherwise.
   */
  private log(request: { log?: Logger }, requestId: string): Logger {
    return request.log ?? this.logging.root.child({ request_id: requestId });
  }
}
