import {
  BadGatewayException,
  BadRequestException,
  HttpException,
  InternalServerErrorException,
  MethodNotAllowedException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnauthorizedException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import {
  IdempotencyKeyReusedError,
  InvalidTransitionError,
  RecordNotFoundError,
  RequestInFlightError,
} from './domain-errors';
import {
  MalformedBodyError,
  MethodNotAllowedError,
  ProblemType,
  problemTypeUri,
  RequestValidationError,
  toProblem,
} from './problem';

const queryFailed = (code: string, message = 'duplicate key value violates "records_pkey"') =>
  new QueryFailedError('INSERT INTO records ...', [], Object.assign(new Error(message), { code }));

/** An error as the body parser (or the JSON body reader) raises it. */
const httpError = (status: number, message: string, type?: string) =>
  Object.assign(new Error(message), { status, type });

interface Answer {
  status: number;
  error: string;
  type: ProblemType;
  title: string;
  message: string;
  headers?: Record<string, string>;
  unexpected?: boolean;
}

const INTERNAL: Answer = {
  status: 500,
  error: 'InternalServerError',
  type: 'internal-error',
  title: 'Internal server error',
  message: 'An unexpected error occurred',
  unexpected: true,
};

const UNAVAILABLE: Answer = {
  status: 503,
  error: 'ServiceUnavailable',
  type: 'service-unavailable',
  title: 'Service unavailable',
  message: 'The database is unavailable or overloaded; retry later',
  headers: { 'Retry-After': '2' },
};

const malformed = (message: string, status = 400, error = 'BadRequest'): Answer => ({
  status,
  error,
  type: 'malformed-request',
  title: 'Malformed request',
  message,
});

describe('toProblem', () => {
  it.each<[string, unknown, Answer]>([
    [
      'a missing record',
      new RecordNotFoundError('550e8400-e29b-41d4-a716-446655440000'),
      {
        status: 404,
        error: 'NotFound',
        type: 'record-not-found',
        title: 'Record not found',
        message: 'Record not found',
      },
    ],
    [
      'an invalid transition',
      new InvalidTransitionError('Record already processed'),
      {
        status: 409,
        error: 'Conflict',
        type: 'invalid-transition',
        title: 'Invalid state transition',
        message: 'Record already processed',
      },
    ],
    [
      'a request still in flight, with the wait it was given',
      new RequestInFlightError(3),
      {
        status: 409,
        error: 'Conflict',
        type: 'request-in-flight',
        title: 'Request in flight',
        message: 'A request with this Idempotency-Key is still being processed; retry later',
        headers: { 'Retry-After': '3' },
      },
    ],
    [
      'an idempotency key reused with another body',
      new IdempotencyKeyReusedError(),
      {
        status: 422,
        error: 'UnprocessableEntity',
        type: 'idempotency-key-reused',
        title: 'Idempotency key reused',
        message: 'Idempotency-Key was already used with a different request body',
      },
    ],
    [
      'a missing API key',
      new UnauthorizedException('Invalid API key'),
      {
        status: 401,
        error: 'Unauthorized',
        type: 'unauthorized',
        title: 'Missing or invalid API key',
        message: 'Invalid API key',
      },
    ],
    [
      'an unknown route',
      new NotFoundException('Cannot GET /nowhere'),
      {
        status: 404,
        error: 'NotFound',
        type: 'route-not-found',
        title: 'Route not found',
        message: 'Cannot GET /nowhere',
      },
    ],
    [
      'a method the path does not serve',
      new MethodNotAllowedError('DELETE', '/records', ['GET', 'HEAD', 'POST']),
      {
        status: 405,
        error: 'MethodNotAllowed',
        type: 'method-not-allowed',
        title: 'Method not allowed',
        message: 'DELETE is not allowed on /records; allowed: GET, HEAD, POST',
        headers: { Allow: 'GET, HEAD, POST' },
      },
    ],
    [
      'a body too large',
      new PayloadTooLargeException('Request body exceeds the 1 MiB limit'),
      {
        status: 413,
        error: 'PayloadTooLarge',
        type: 'payload-too-large',
        title: 'Request body too large',
        message: 'Request body exceeds the 1 MiB limit',
      },
    ],
    [
      'a body that is not JSON',
      new UnsupportedMediaTypeException('Content-Type must be application/json'),
      {
        status: 415,
        error: 'UnsupportedMediaType',
        type: 'unsupported-media-type',
        title: 'Unsupported media type',
        message: 'Content-Type must be application/json',
      },
    ],
    [
      'too many requests',
      new HttpException('Too Many Requests', 429),
      {
        status: 429,
        error: 'TooManyRequests',
        type: 'rate-limited',
        title: 'Too many requests',
        message: 'Too Many Requests',
      },
    ],
    [
      'readiness while draining',
      new ServiceUnavailableException('Service is shutting down'),
      { ...UNAVAILABLE, message: 'Service is shutting down' },
    ],
    ['a bad request', new BadRequestException('Invalid id'), malformed('Invalid id')],
    [
      'a bad request listing several messages',
      new BadRequestException(['limit must be an integer', 'offset must not be less than 0']),
      malformed('limit must be an integer; offset must not be less than 0'),
    ],
    [
      'an HTTP exception whose body has no message',
      new HttpException({ reason: 'opaque' }, 400),
      malformed('Http Exception'),
    ],
    [
      'a 405, under its own reason phrase',
      new MethodNotAllowedException('Method Not Allowed'),
      malformed('Method Not Allowed', 405, 'MethodNotAllowed'),
    ],
    [
      'a 418, reason phrase of several words',
      new HttpException('short and stout', 418),
      malformed('short and stout', 418, 'IAmATeapot'),
    ],
    [
      'a 422 listing several messages (a 4xx the table does not name)',
      new HttpException({ message: ['a must be a number', 'b should not be empty'] }, 422),
      malformed('a must be a number; b should not be empty', 422, 'UnprocessableEntity'),
    ],
    [
      'a 4xx with no reason phrase',
      new HttpException('client closed request', 499),
      malformed('client closed request', 499, 'BadRequest'),
    ],
    ['a 500 HTTP exception', new InternalServerErrorException('secret detail'), INTERNAL],
    ['a 502 HTTP exception', new BadGatewayException('upstream 10.0.0.7'), INTERNAL],
    [
      'malformed JSON from the body reader',
      new MalformedBodyError('Request body is not valid JSON'),
      malformed('Request body is not valid JSON'),
    ],
    [
      'a body that is not UTF-8',
      new MalformedBodyError('Request body is not valid UTF-8'),
      malformed('Request body is not valid UTF-8'),
    ],
    [
      'a body over the parser limit',
      httpError(413, 'request entity too large', 'entity.too.large'),
      {
        status: 413,
        error: 'PayloadTooLarge',
        type: 'payload-too-large',
        title: 'Request body too large',
        message: 'Request body exceeds the 1 MiB limit',
      },
    ],
    [
      'an unsupported charset from the body parser',
      httpError(415, 'unsupported charset "LATIN-9"', 'charset.unsupported'),
      {
        status: 415,
        error: 'UnsupportedMediaType',
        type: 'unsupported-media-type',
        title: 'Unsupported media type',
        message: 'unsupported charset "LATIN-9"',
      },
    ],
    [
      'another 400 from the body parser',
      httpError(400, 'request aborted', 'request.aborted'),
      malformed('request aborted'),
    ],
    [
      'a 499 from the body parser (the last 4xx)',
      httpError(499, 'closed'),
      malformed('closed', 499, 'BadRequest'),
    ],
    [
      'a 403 from middleware',
      httpError(403, 'forbidden here'),
      malformed('forbidden here', 403, 'Forbidden'),
    ],
    ['a 500 from middleware', httpError(500, 'secret detail'), INTERNAL],
    ['a 399 from middleware', httpError(399, 'secret detail'), INTERNAL],
    [
      'an error whose status is the text "400", not a number',
      Object.assign(new Error('secret detail'), { status: '400' }),
      INTERNAL,
    ],
    ['the database down (57P01)', queryFailed('57P01', 'terminating connection'), UNAVAILABLE],
    [
      'a value PostgreSQL cannot store (22P05)',
      queryFailed('22P05', 'unsupported Unicode escape sequence'),
      malformed('The request contains a value that cannot be stored'),
    ],
    ['a unique violation (a bug)', queryFailed('23505'), INTERNAL],
    ['an unknown error', new Error('secret stack'), INTERNAL],
    ['a thrown string', 'a string', INTERNAL],
    ['undefined', undefined, INTERNAL],
  ])('answers %s', (_, exception, answer) => {
    expect(toProblem(exception, '/records/x', 'req_1')).toEqual({
      status: answer.status,
      body: {
        type: problemTypeUri(answer.type),
        title: answer.title,
        status: answer.status,
        detail: answer.message,
        instance: '/records/x',
        error: answer.error,
        message: answer.message,
        request_id: 'req_1',
      },
      headers: answer.headers ?? {},
      unexpected: answer.unexpected ?? false,
    });
  });

  it('adds per-field details to a validation error, its message joining theirs', () => {
    const details = [
      { field: 'source', message: 'source must be a string' },
      { field: 'payload', message: 'payload must be a JSON object' },
    ];
    expect(toProblem(new RequestValidationError(details), '/records', 'req_2')).toEqual({
      status: 400,
      body: {
        type: problemTypeUri('validation-error'),
        title: 'Request validation failed',
        status: 400,
        detail: 'source must be a string; payload must be a JSON object',
        instance: '/records',
        error: 'ValidationError',
        message: 'source must be a string; payload must be a JSON object',
        request_id: 'req_2',
        details,
      },
      headers: {},
      unexpected: false,
    });
  });

  it('names the methods a path allows, in the message and in Allow', () => {
    const problem = toProblem(
      new MethodNotAllowedError('PATCH', '/records/x', ['GET', 'HEAD']),
      '/records/x',
      'req_1',
    );
    expect(problem.status).toBe(405);
    expect(problem.body.message).toBe('PATCH is not allowed on /records/x; allowed: GET, HEAD');
    expect(problem.headers).toEqual({ Allow: 'GET, HEAD' });
  });

  it('names a validation error without details generically', () => {
    expect(toProblem(new RequestValidationError([]), '/records', 'req_3').body).toMatchObject({
      message: 'Request validation failed',
      details: [],
    });
  });

  it('never shows SQL, a driver message or a stack to the client', () => {
    for (const exception of [
      queryFailed('23505'),
      queryFailed('57P01', 'terminating connection due to administrator command'),
      new Error('secret stack'),
      httpError(500, 'secret detail'),
    ]) {
      const text = JSON.stringify(toProblem(exception, '/x', 'req_1'));
      expect(text).not.toMatch(/INSERT|records_pkey|administrator|secret|at Object/);
    }
  });

  it('names problem types as pages of the service', () => {
    expect(problemTypeUri('invalid-transition')).toBe('/problems/invalid-transition');
  });
});
