import { NotFoundException } from '@nestjs/common';
import { Writable } from 'node:stream';
import { aRequest, fakeHttp, FakeRequest } from '../../test/unit/fake-http';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { RecordNotFoundError, RequestInFlightError } from './domain-errors';
import { problemTypeUri } from './problem';
import { RequestLogging } from './request-logging';
import { RouteTable } from './route-table';

/** The routes the filter consults on a 404: `/records` serves GET and POST. */
const routes = {
  allowedMethods: (path: string) => (path === '/records' ? ['GET', 'HEAD', 'POST'] : []),
} as unknown as RouteTable;

/** Calls the filter as Nest does for a failed request, and returns what the client got. */
function answer(exception: unknown, request: FakeRequest = aRequest()) {
  const http = fakeHttp({ ...request, log: undefined });
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logging = new RequestLogging('info', destination);
  new AllExceptionsFilter(http.adapterHost, logging, routes).catch(exception, http.context);
  const reply = http.reply();
  if (!reply) throw new Error('the filter sent no answer');
  const logs = lines.map(({ level, msg, request_id, reason, err }) => ({
    level,
    msg,
    request_id,
    ...(reason === undefined ? {} : { reason }),
    ...(err === undefined ? {} : { err: (err as { message: string }).message }),
  }));
  return {
    status: reply.status,
    headers: http.response.getHeaders(),
    body: JSON.parse(String(reply.body)) as Record<string, unknown>,
    raw: String(reply.body),
    logs,
  };
}

describe('AllExceptionsFilter', () => {
  it('answers a domain error with its problem document, named by the request id', () => {
    const got = answer(
      new RecordNotFoundError('abc'),
      aRequest({ method: 'GET', url: '/records/abc?expand=1', id: 'req_given' }),
    );
    expect(got.status).toBe(404);
    expect(got.headers['content-type']).toBe('application/problem+json');
    expect(got.body).toEqual({
      type: problemTypeUri('record-not-found'),
      title: 'Record not found',
      status: 404,
      detail: 'Record not found',
      instance: '/records/abc',
      error: 'NotFound',
      message: 'Record not found',
      request_id: 'req_given',
    });
    expect(got.logs).toEqual([]);
  });

  it('adopts a valid X-Request-ID when nothing has named the request yet', () => {
    const got = answer(
      new RecordNotFoundError('abc'),
      aRequest({ headers: { 'x-request-id': 'client.id:1' } }),
    );
    expect(got.body.request_id).toBe('client.id:1');
    expect(got.headers['x-request-id']).toBe('client.id:1');
  });

  it('makes a new request id for an invalid X-Request-ID, the same in header and body', () => {
    const got = answer(
      new RecordNotFoundError('abc'),
      aRequest({ headers: { 'x-request-id': 'not valid!' } }),
    );
    expect(got.body.request_id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(got.headers['x-request-id']).toBe(got.body.request_id);
  });

  it('sends the headers a problem asks for: Retry-After while a key is in flight', () => {
    const got = answer(new RequestInFlightError(3));
    expect(got.status).toBe(409);
    expect(got.headers['retry-after']).toBe('3');
    expect(got.body).toMatchObject({
      error: 'Conflict',
      type: problemTypeUri('request-in-flight'),
    });
  });

  it('answers a body over the parser limit with 413 and logs nothing itself', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), {
      status: 413,
      type: 'entity.too.large',
    });
    const got = answer(tooLarge, aRequest({ id: 'req_early' }));
    expect(got.status).toBe(413);
    expect(got.body).toMatchObject({
      error: 'PayloadTooLarge',
      message: 'Request body exceeds the 1 MiB limit',
    });
    expect(got.logs).toEqual([]);
  });

  it('answers a known path with a method it does not serve with 405 and Allow', () => {
    const got = answer(
      new NotFoundException('Cannot DELETE /records'),
      aRequest({ method: 'DELETE', url: '/records' }),
    );
    expect(got.status).toBe(405);
    expect(got.headers.allow).toBe('GET, HEAD, POST');
    expect(got.body).toMatchObject({ error: 'MethodNotAllowed' });
  });

  it('keeps 404 for a path no route serves', () => {
    const got = answer(new NotFoundException('Cannot GET /nowhere'), aRequest({ url: '/nowhere' }));
    expect(got.status).toBe(404);
    expect(got.headers.allow).toBeUndefined();
  });

  it('answers an unexpected error with a bare 500 and logs the error itself', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'secret_column')");
    const got = answer(bug, aRequest({ id: 'req_bug' }));
    expect(got.status).toBe(500);
    expect(got.body).toMatchObject({
      error: 'InternalServerError',
      message: 'An unexpected error occurred',
    });
    expect(got.raw).not.toContain('secret_column');
    expect(got.raw).not.toContain('TypeError');
    expect(got.logs).toEqual([
      { level: 50, msg: 'unhandled error', request_id: 'req_bug', err: bug.message },
    ]);
  });

  it('answers a database outage 503 with Retry-After, logged as a warning with the cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432'), {
      code: 'ECONNREFUSED',
    });
    const got = answer(refused, aRequest({ id: 'req_down' }));
    expect(got.status).toBe(503);
    expect(got.headers['retry-after']).toBe('2');
    expect(got.body).toMatchObject({
      error: 'ServiceUnavailable',
      message: 'The database is unavailable or overloaded; retry later',
    });
    expect(got.raw).not.toContain('10.0.0.7');
    expect(got.logs).toEqual([
      {
        level: 40,
        msg: 'The database is unavailable or overloaded; retry later',
        request_id: 'req_down',
        reason: 'connect ECONNREFUSED 10.0.0.7:5432',
      },
    ]);
  });
});
