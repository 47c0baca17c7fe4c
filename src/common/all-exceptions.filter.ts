import { ArgumentsHost, Catch, ExceptionFilter, NotFoundException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import { MethodNotAllowedError, toProblem } from './problem';
import { requestIdOf } from './request-id';
import { RouteTable } from './route-table';

/** The one place where a failure becomes an HTTP answer (see problem.ts). */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly logger: PinoLogger,
    private readonly routes: RouteTable,
  ) {
    logger.setContext(AllExceptionsFilter.name);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest();
    const response = http.getResponse();
    const { httpAdapter } = this.adapterHost;
    const requestId = requestIdOf(request, response);
    const path = String(httpAdapter.getRequestUrl(request)).split('?')[0];
    const problem = toProblem(this.methodNotAllowed(exception, request, path), path, requestId);

    if (!request.log) {
      // Rejected before the request logger ran (e.g. by the body parser): log it here.
      this.logger.info(
        {
          request_id: requestId,
          req: { method: request.method, url: request.url },
          res: { statusCode: problem.status },
        },
        'request rejected',
      );
    }
    if (problem.unexpected) {
      this.logger.error({ err: exception, request_id: requestId }, 'unhandled error');
    } else if (problem.status >= 500) {
      this.logger.warn(
        { reason: String((exception as Error)?.message), request_id: requestId },
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
}
