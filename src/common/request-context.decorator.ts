import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { requestIdOf } from './request-id';

/** The request's id, for the events and logs it leads to. */
export const RequestId = createParamDecorator((_: unknown, context: ExecutionContext): string =>
  requestIdOf(context.switchToHttp().getRequest()),
);
