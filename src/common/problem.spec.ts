import { NotFoundException, UnauthorizedException } from '@nestjs/common';
import { QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { classifyDatabaseError } from './database-errors';
import { InvalidTransitionError, RecordNotFoundError, RequestInFlightError } from './domain-errors';
import { MethodNotAllowedError, RequestValidationError, toProblem } from './problem';

const pgError = (code: string, message = 'boom') => Object.assign(new Error(message), { code });
const queryFailed = (code: string) => new QueryFailedError('SELECT 1', [], pgError(code));

describe('classifyDatabaseError', () => {
  it.each([
    ['a refused connection', pgError('ECONNREFUSED'), 'unavailable'],
    ['an admin shutdown (57P01)', queryFailed('57P01'), 'unavailable'],
    ['a lock timeout (55P03)', queryFailed('55P03'), 'unavailable'],
    ['a deadlock (40P01)', queryFailed('40P01'), 'unavailable'],
    ['an idle-in-transaction kill (25P03)', queryFailed('25P03'), 'unavailable'],
    ['a pool wait timeout', new Error('timeout exceeded when trying to connect'), 'unavailable'],
    ['a transaction whose connection died', new QueryRunnerAlreadyReleasedError(), 'unavailable'],
    ['a value PostgreSQL cannot store (22P05)', queryFailed('22P05'), 'invalid_input'],
    ['a unique violation (23505)', queryFailed('23505'), 'unknown'],
    ['an error that is not the database', new TypeError('x is undefined'), undefined],
  ])('%s -> %s', (_, error, kind) => {
    expect(classifyDatabaseError(error)).toBe(kind);
  });
});

describe('toProblem', () => {
  const body = (status: number, error: string, type: string, message: string) => ({
    type: `/problems/${type}`,
    title: expect.any(String),
    status,
    detail: message,
    instance: '/x',
    error,
    message,
    request_id: 'req_1',
  });

  it.each([
    [new RecordNotFoundError('id'), 404, 'NotFound', 'record-not-found', 'Record not found', {}],
    [
      new InvalidTransitionError('Record already processed'),
      409,
      'Conflict',
      'invalid-transition',
      'Record already processed',
      {},
    ],
    [
      new RequestInFlightError(3),
      409,
      'Conflict',
      'request-in-flight',
      'A request with this Idempotency-Key is still being processed; retry later',
      { 'Retry-After': '3' },
    ],
    [
      new UnauthorizedException('Invalid API key'),
      401,
      'Unauthorized',
      'unauthorized',
      'Invalid API key',
      {},
    ],
    [
      new NotFoundException('Cannot GET /x'),
      404,
      'NotFound',
      'route-not-found',
      'Cannot GET /x',
      {},
    ],
    [
      new MethodNotAllowedError('DELETE', '/x', ['GET', 'HEAD', 'POST']),
      405,
      'MethodNotAllowed',
      'method-not-allowed',
      'DELETE is not allowed on /x; allowed: GET, HEAD, POST',
      { Allow: 'GET, HEAD, POST' },
    ],
    [
      queryFailed('57P01'),
      503,
      'ServiceUnavailable',
      'service-unavailable',
      'The database is unavailable or overloaded; retry later',
      { 'Retry-After': '2' },
    ],
  ])('maps %p to %i %s', (exception, status, error, type, message, headers) => {
    const problem = toProblem(exception, '/x', 'req_1');
    expect(problem).toEqual({
      status,
      body: body(status, error, type, message),
      headers,
      unexpected: false,
    });
  });

  it('adds per-field details to a validation error', () => {
    const details = [{ field: 'source', message: 'source must be a string' }];
    expect(toProblem(new RequestValidationError(details), '/x', 'req_1').body).toEqual({
      ...body(400, 'ValidationError', 'validation-error', 'source must be a string'),
      details,
    });
  });

  it('never shows an unknown error, SQL or a driver message to the client', () => {
    for (const exception of [new Error('secret stack'), queryFailed('23505'), 'a string']) {
      const problem = toProblem(exception, '/x', 'req_1');
      expect(problem).toEqual({
        status: 500,
        body: body(500, 'InternalServerError', 'internal-error', 'An unexpected error occurred'),
        headers: {},
        unexpected: true,
      });
    }
  });
});
