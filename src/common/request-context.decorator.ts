import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Transaction } from '../database/database';
import { requestIdOf } from './request-id';

/**
 * Handed to the domain when a request carries an Idempotency-Key: the domain
 * saves its response inside its own transaction, so a record and its key commit
 * together.
 */
export interface IdempotencyTicket {
  save(tx: Transaction, body: unknown): Promise<void>;
  readonly saved: boolean;
}

/** Who asked, and how to make the answer idempotent: carried into the domain. */
export interface RequestContext {
  requestId: string;
  idempotency?: IdempotencyTicket;
}

export type ContextRequest = Parameters<typeof requestIdOf>[0] & {
  idempotency?: IdempotencyTicket;
};

export const Context = createParamDecorator(
  (_: unknown, context: ExecutionContext): RequestContext => {
    const request = context.switchToHttp().getRequest<ContextRequest>();
    return { requestId: requestIdOf(request), idempotency: request.idempotency };
  },
);
