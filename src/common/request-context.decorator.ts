import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { IdempotencyTicket } from '../idempotency/idempotency.interceptor';
import { requestIdOf } from './request-id';

/** Who asked, and how to make the answer idempotent: carried into the domain. */
export interface RequestContext {
  requestId: string;
  idempotency?: IdempotencyTicket;
}

export const Context = createParamDecorator(
  (_: unknown, context: ExecutionContext): RequestContext => {
    const request = context
      .switchToHttp()
      .getRequest<Parameters<typeof requestIdOf>[0] & { idempotency?: IdempotencyTicket }>();
    return { requestId: requestIdOf(request), idempotency: request.idempotency };
  },
);
