import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, Registry } from 'prom-client';

/** The label for requests that matched no route (404s, and bodies refused before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

type Labels = 'method' | 'route' | 'status';

/** Request count and latency by method, route template and status. */
@Injectable()
export class HttpMetrics {
  private readonly requestsTotal: Counter<Labels>;
  private readonly duration: Histogram<Labels>;

  constructor(registry: Registry) {
    this.requestsTotal = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from the first middleware to the last byte of the response',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  /**
   * A middleware that measures every response, errors included (they are written by
   * the exception filter, after everything else). `routeOf` names the matched route
   * template (adapter-specific); a request that matched none is labelled `unmatched`.
   */
  middleware(routeOf: (request: IncomingMessage) => string | undefined) {
    return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
      const started = process.hrtime.bigint();
      response.once('finish', () => {
        const labels = {
          method: request.method ?? 'UNKNOWN',
          route: routeOf(request) ?? UNMATCHED_ROUTE,
          status: String(response.statusCode),
        };
        this.requestsTotal.inc(labels);
        this.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    };
  }
}
