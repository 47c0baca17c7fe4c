/**
 * Errors the domain throws. They carry a stable code and no HTTP: the exception
 * filter alone decides how each code is answered.
 */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
}

export type DomainErrorCode =
  | 'record_not_found'
  | 'invalid_transition'
  | 'idempotency_key_reused'
  | 'request_in_flight'
  | 'webhook_not_found'
  | 'webhook_delivery_not_found';

export class RecordNotFoundError extends DomainError {
  readonly code = 'record_not_found';
  constructor(readonly recordId: string) {
    super('Record not found');
  }
}

export class InvalidTransitionError extends DomainError {
  readonly code = 'invalid_transition';
  constructor(message: string) {
    super(message);
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'idempotency_key_reused';
  constructor() {
    super('Idempotency-Key was already used with a different request body');
  }
}

export class RequestInFlightError extends DomainError {
  readonly code = 'request_in_flight';
  constructor(readonly retryAfterSeconds: number) {
    super('A request with this Idempotency-Key is still being processed; retry later');
  }
}

export class WebhookNotFoundError extends DomainError {
  readonly code = 'webhook_not_found';
  constructor(readonly webhookId: string) {
    super('Webhook endpoint not found');
  }
}

export class WebhookDeliveryNotFoundError extends DomainError {
  readonly code = 'webhook_delivery_not_found';
  constructor(readonly deliveryId: string) {
    super('Webhook delivery not found');
  }
}
