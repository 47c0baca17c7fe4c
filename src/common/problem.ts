import { HttpException, HttpStatus } from '@nestjs/common';
import { classifyDatabaseError } from './database-errors';
import { DomainError, DomainErrorCode } from './domain-errors';

/** One field's validation failure, named as the client sent it. */
export interface FieldError {
  field: string;
  message: string;
}

/** Thrown by the ValidationPipe (and by hand for checks it cannot express). */
export class RequestValidationError extends Error {
  constructor(readonly details: FieldError[]) {
    super(details.map((detail) => detail.message).join('; ') || 'Request validation failed');
  }
}

/** A request body that cannot be read as JSON; its message is fixed and echoes nothing of it. */
export class MalformedBodyError extends Error {}

/**
 * A request for a known path with a method it is not served with (found by the
 * exception filter from a 404 that no route matched).
 */
export class MethodNotAllowedError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly allowed: string[],
  ) {
    super(`${method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`);
  }
}

/**
 * The error body of the contract, which is also an RFC 9457 problem document:
 * {error, message, request_id, details?} plus {type, title, status, detail, instance}.
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  error: string;
  message: string;
  request_id: string;
  details?: FieldError[];
}

export interface Problem {
  status: number;
  body: ProblemBody;
  headers: Record<string, string>;
  /** True when the cause is a bug or an unknown failure whose stack belongs in the log. */
  unexpected: boolean;
}

interface ProblemKind {
  status: number;
  error: string;
  title: string;
}

/** Every kind of problem the service answers, by stable type name. */
export const PROBLEM_KINDS = {
  'validation-error': { status: 400, error: 'ValidationError', title: 'Request validation failed' },
  'malformed-request': { status: 400, error: 'BadRequest', title: 'Malformed request' },
  unauthorized: { status: 401, error: 'Unauthorized', title: 'Missing or invalid API key' },
  'cross-site-request': { status: 403, error: 'Forbidden', title: 'Cross-site request refused' },
  'record-not-found': { status: 404, error: 'NotFound', title: 'Record not found' },
  'route-not-found': { status: 404, error: 'NotFound', title: 'Route not found' },
  'webhook-not-found': { status: 404, error: 'NotFound', title: 'Webhook endpoint not found' },
  'webhook-delivery-not-found': {
    status: 404,
    error: 'NotFound',
    title: 'Webhook delivery not found',
  },
  'method-not-allowed': {
    status: 405,
    error: 'MethodNotAllowed',
    title: 'Method not allowed',
  },
  'request-timeout': { status: 408, error: 'RequestTimeout', title: 'Request timeout' },
  'invalid-transition': { status: 409, error: 'Conflict', title: 'Invalid state transition' },
  'request-in-flight': { status: 409, error: 'Conflict', title: 'Request in flight' },
  'payload-too-large': { status: 413, error: 'PayloadTooLarge', title: 'Request body too large' },
  'unsupported-media-type': {
    status: 415,
    error: 'UnsupportedMediaType',
    title: 'Unsupported media type',
  },
  'idempotency-key-reused': {
    status: 422,
    error: 'UnprocessableEntity',
    title: 'Idempotency key reused',
  },
  'rate-limited': { status: 429, error: 'TooManyRequests', title: 'Too many requests' },
  'request-header-fields-too-large': {
    status: 431,
    error: 'RequestHeaderFieldsTooLarge',
    title: 'Request headers too large',
  },
  'internal-error': { status: 500, error: 'InternalServerError', title: 'Internal server error' },
  'service-unavailable': {
    status: 503,
    error: 'ServiceUnavailable',
    title: 'Service unavailable',
  },
} satisfies Record<string, ProblemKind>;

export type ProblemType = keyof typeof PROBLEM_KINDS;

/**
 * A problem's `type`: a page of this service, as a reference relative to it (RFC 9457
 * resolves it against the request's URI), so it opens wherever the service runs.
 */
export const problemTypeUri = (type: ProblemType): string => `/problems/${type}`;

const DOMAIN_PROBLEMS: Record<DomainErrorCode, ProblemType> = {
  record_not_found: 'record-not-found',
  invalid_transition: 'invalid-transition',
  idempotency_key_reused: 'idempotency-key-reused',
  request_in_flight: 'request-in-flight',
  webhook_not_found: 'webhook-not-found',
  webhook_delivery_not_found: 'webhook-delivery-not-found',
};

/** What a body over the 1 MiB limit is answered with, on either adapter. */
const BODY_TOO_LARGE_MESSAGE = 'Request body exceeds the 1 MiB limit';

/** Seconds a client should wait before retrying when the database is in trouble. */
const UNAVAILABLE_RETRY_AFTER = '2';

const STATUS_PROBLEMS: Partial<Record<number, ProblemType>> = {
  400: 'malformed-request',
  401: 'unauthorized',
  403: 'cross-site-request',
  404: 'route-not-found',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'rate-limited',
  503: 'service-unavailable',
};

interface Classified {
  type: ProblemType;
  message: string;
  details?: FieldError[];
  headers?: Record<string, string>;
  unexpected?: boolean;
  status?: number;
}

/** Errors raised by the HTTP body parser carry a status and a `type` such as entity.parse.failed. */
const isHttpError = (error: unknown): error is Error & { status: number; type?: string } =>
  error instanceof Error && typeof (error as { status?: unknown }).status === 'number';

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

function classify(exception: unknown): Classified {
  if (exception instanceof RequestValidationError) {
    return { type: 'validation-error', message: exception.message, details: exception.details };
  }
  if (exception instanceof MalformedBodyError) {
    return { type: 'malformed-request', message: exception.message };
  }
  if (exception instanceof MethodNotAllowedError) {
    return {
      type: 'method-not-allowed',
      message: exception.message,
      headers: { Allow: exception.allowed.join(', ') },
    };
  }
  if (exception instanceof DomainError) {
    return {
      type: DOMAIN_PROBLEMS[exception.code],
      message: exception.message,
      headers:
        'retryAfterSeconds' in exception
          ? { 'Retry-After': String(exception.retryAfterSeconds) }
          : undefined,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const type = STATUS_PROBLEMS[status];
    if (type) return { type, message: httpExceptionMessage(exception), status };
    if (status < 500) {
      // A 4xx the table does not name (405, ...): keep its status under a generic type.
      return { type: 'malformed-request', message: httpExceptionMessage(exception), status };
    }
  }
  switch (classifyDatabaseError(exception)) {
    case 'unavailable':
      return {
        type: 'service-unavailable',
        message: 'The database is unavailable or overloaded; retry later',
        headers: { 'Retry-After': UNAVAILABLE_RETRY_AFTER },
      };
    case 'invalid_input':
      return {
        type: 'malformed-request',
        message: 'The request contains a value that cannot be stored',
      };
    default:
      break;
  }
  if (isHttpError(exception) && exception.status >= 400 && exception.status < 500) {
    if (exception.type === 'entity.too.large') {
      return { type: 'payload-too-large', message: BODY_TOO_LARGE_MESSAGE };
    }
    if (exception.status === 415) {
      return { type: 'unsupported-media-type', message: exception.message };
    }
    return { type: 'malformed-request', message: exception.message, status: exception.status };
  }
  return { type: 'internal-error', message: 'An unexpected error occurred', unexpected: true };
}

/** Maps anything thrown while serving a request to the contract's error response. */
export function toProblem(exception: unknown, instance: string, requestId: string): Problem {
  const classified = classify(exception);
  const kind: ProblemKind = PROBLEM_KINDS[classified.type];
  const status = classified.status ?? kind.status;
  const error = classified.status ? reasonPhrase(classified.status, kind.error) : kind.error;
  const body: ProblemBody = {
    type: problemTypeUri(classified.type),
    title: kind.title,
    status,
    detail: classified.message,
    instance,
    error,
    message: classified.message,
    request_id: requestId,
  };
  if (classified.details) body.details = classified.details;
  const headers = { ...classified.headers };
  // Every 503 (readiness included: database down, draining) tells clients when to come back.
  if (status === 503 && !headers['Retry-After']) headers['Retry-After'] = UNAVAILABLE_RETRY_AFTER;
  return { status, body, headers, unexpected: !!classified.unexpected };
}

/** `HttpStatus.METHOD_NOT_ALLOWED` -> `MethodNotAllowed`. */
function reasonPhrase(status: number, fallback: string): string {
  const name = HttpStatus[status];
  if (!name) return fallback;
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
