import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { newRequestId, REQUEST_ID_HEADER, requestIdOf, resolveRequestId } from './request-id';

const MADE = /^req_[0-9a-f]{32}$/;

const aRequest = (headers: Record<string, string | string[]> = {}) => {
  const request = new IncomingMessage(new Socket()) as IncomingMessage & { id?: string };
  request.headers = headers;
  return request;
};
const aResponse = (request: IncomingMessage) => new ServerResponse(request);

describe('newRequestId', () => {
  it('is req_ and 32 random hex digits, new each time', () => {
    const ids = new Set(Array.from({ length: 100 }, newRequestId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(MADE);
  });
});

describe('resolveRequestId', () => {
  it.each([
    ['one character', 'a'],
    ['128 characters', 'x'.repeat(128)],
    ['every allowed character', 'AZaz09._:-'],
    ['a made id', 'req_3kT9xQ2mZr8bW1vLp0aN'],
    ['a UUID', '550e8400-e29b-41d4-a716-446655440000'],
  ])("keeps the client's id: %s", (_, id) => {
    expect(resolveRequestId(id)).toBe(id);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['129 characters', 'x'.repeat(129)],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['a plus', 'a+b'],
    ['a non-ASCII letter', 'caf\u00e9'],
    ['a newline after a valid id', 'abc\n'],
    ['a valid id after a newline', '\nabc'],
  ])('makes a new id for %s', (_, header) => {
    expect(resolveRequestId(header)).toMatch(MADE);
  });

  it('takes the first of repeated headers', () => {
    expect(resolveRequestId(['first', 'second'])).toBe('first');
    expect(resolveRequestId(['bad id', 'second'])).toMatch(MADE);
    expect(resolveRequestId([])).toMatch(MADE);
  });
});

describe('requestIdOf', () => {
  it('names a request once, answers the id in X-Request-ID, and keeps it', () => {
    const request = aRequest({ 'x-request-id': 'client-1' });
    const response = aResponse(request);
    expect(requestIdOf(request, response)).toBe('client-1');
    expect(response.getHeader(REQUEST_ID_HEADER)).toBe('client-1');
    request.headers['x-request-id'] = 'changed';
    expect(requestIdOf(request)).toBe('client-1');
    expect(request.id).toBe('client-1');
  });

  it('keeps an id given earlier (by pino-http) and does not touch the response', () => {
    const request = aRequest({ 'x-request-id': 'client-1' });
    request.id = 'req_earlier';
    const response = aResponse(request);
    expect(requestIdOf(request, response)).toBe('req_earlier');
    expect(response.getHeader(REQUEST_ID_HEADER)).toBeUndefined();
  });

  it('makes an id when the header is invalid', () => {
    const request = aRequest({ 'x-request-id': 'no spaces allowed' });
    const response = aResponse(request);
    const id = requestIdOf(request, response);
    expect(id).toMatch(MADE);
    expect(response.getHeader(REQUEST_ID_HEADER)).toBe(id);
  });

  it('names the request but leaves headers alone once they are sent', () => {
    const request = aRequest();
    const response = aResponse(request);
    response.writeHead(200);
    expect(requestIdOf(request, response)).toMatch(MADE);
    expect(response.getHeader(REQUEST_ID_HEADER)).toBeUndefined();
  });
});
