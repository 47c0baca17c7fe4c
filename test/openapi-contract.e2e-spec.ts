import type { Document } from 'openapi-backend';
import request from 'supertest';
import { useTestApp } from './app';
import { aRecordBody, MISSING_ID } from './builders';
import { Contract, Exchange } from './openapi-contract';

/** The checker that every e2e answer goes through must itself catch what the document does not say. */
describe('OpenAPI contract check (e2e)', () => {
  const t = useTestApp();
  let contract: Contract;

  beforeAll(async () => {
    const { body } = await request(t.http).get('/docs-json').expect(200);
    contract = await Contract.load(body as Document);
  });

  const problemBody = (status: number, type: string) => ({
    type: `/problems/${type}`,
    title: 'x',
    status,
    detail: 'x',
    instance: '/x',
    error: 'X',
    message: 'x',
    request_id: 'req_1234567890abcdef',
  });
  const exchange = (overrides: Partial<Exchange> & { json?: unknown }): Exchange => {
    const { json, ...rest } = overrides;
    return {
      method: 'GET',
      path: '/health/live',
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'req_1' },
      body: Buffer.from(JSON.stringify(json ?? { status: 'ok' })),
      ...rest,
    };
  };

  it('accepts a real answer as the app gives it', async () => {
    const created = await request(t.http).post('/records').send(aRecordBody()).expect(201);
    const record = created.body as Record<string, unknown>;
    expect(
      contract.check(
        exchange({
          method: 'POST',
          path: '/records',
          status: 201,
          headers: { ...created.headers },
          json: record,
        }),
      ),
    ).toEqual([]);
    expect(contract.check(exchange({}))).toEqual([]);
  });

  it.each<[string, Partial<Exchange> & { json?: unknown }, RegExp]>([
    ['a field the document does not describe', { json: { status: 'ok', extra: 1 } }, /additional/],
    [
      'a value outside the schema',
      { json: { status: 'fine' } },
      /must be equal to one of the allowed values/,
    ],
    ['a status the operation does not list', { status: 404 }, /404 is not a documented answer/],
    [
      'a media type the response does not list',
      { headers: { 'content-type': 'text/plain', 'x-request-id': 'r' } },
      /Content-Type text\/plain/,
    ],
    ['a missing X-Request-ID', { headers: { 'content-type': 'application/json' } }, /X-Request-ID/],
    [
      'a route the document does not describe',
      { path: '/secret', json: { status: 'ok' } },
      /must be 404, not 200/,
    ],
    [
      'a 405 whose Allow differs from the document',
      {
        method: 'DELETE',
        path: '/records',
        status: 405,
        headers: {
          'content-type': 'application/problem+json',
          'x-request-id': 'r',
          allow: 'GET, POST',
        },
        json: problemBody(405, 'method-not-allowed'),
      },
      /Allow is GET, POST, the document says GET, HEAD, POST/,
    ],
    [
      'an error body that is not a problem document',
      {
        method: 'GET',
        path: `/records/${MISSING_ID}`,
        status: 404,
        headers: { 'content-type': 'application/problem+json', 'x-request-id': 'r' },
        json: { error: 'NotFound' },
      },
      /required property/,
    ],
    [
      'a problem type the document does not list',
      {
        method: 'GET',
        path: `/records/${MISSING_ID}`,
        status: 404,
        headers: { 'content-type': 'application/problem+json', 'x-request-id': 'r' },
        json: problemBody(404, 'lost'),
      },
      /must be equal to one of the allowed values/,
    ],
    [
      'a 201 without its Location header',
      {
        method: 'POST',
        path: '/records',
        status: 201,
        json: {},
      },
      /lacks its documented header Location/,
    ],
  ])('refuses %s', (_, overrides, message) => {
    expect(contract.check(exchange(overrides)).join('\n')).toMatch(message);
  });
});
