import { HttpAdapterHost } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/**
 * What unit specs of a filter, guard or interceptor need to call it directly, as Nest
 * would: a request, a real node response (for its headers), the adapter calls the code
 * under test makes, and the context Nest builds for each request (ExecutionContextHost
 * is the class Nest itself passes to guards, interceptors and filters).
 */
export interface FakeRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  id?: string;
  log?: unknown;
  [extra: string]: unknown;
}

export const aRequest = (overrides: Partial<FakeRequest> = {}): FakeRequest => ({
  method: 'POST',
  url: '/records',
  headers: {},
  log: {},
  ...overrides,
});

export interface FakeHttp {
  request: FakeRequest;
  response: ServerResponse;
  adapterHost: HttpAdapterHost;
  context: ExecutionContextHost;
  /** The status and body the adapter was asked to send, if it was. */
  reply(): { status: number; body: unknown } | undefined;
}

export function fakeHttp(
  request: FakeRequest = aRequest(),
  handler: (...args: unknown[]) => unknown = () => undefined,
  controller: new (...args: never[]) => unknown = class {},
): FakeHttp {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  let replied: { status: number; body: unknown } | undefined;
  const adapter = {
    getRequestUrl: (req: FakeRequest) => req.url,
    setHeader: (res: ServerResponse, name: string, value: string) => res.setHeader(name, value),
    status: (res: ServerResponse, status: number) => {
      res.statusCode = status;
    },
    reply: (res: ServerResponse, body: unknown, status?: number) => {
      if (status !== undefined) res.statusCode = status;
      replied = { status: res.statusCode, body };
    },
  };
  const adapterHost = new HttpAdapterHost();
  adapterHost.httpAdapter = adapter as unknown as HttpAdapterHost['httpAdapter'];
  const context = new ExecutionContextHost([request, response], controller, handler);
  return { request, response, adapterHost, context, reply: () => replied };
}
