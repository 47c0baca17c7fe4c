import { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { DataSource } from 'typeorm';
import { createApp, initApp } from '../src/app.setup';
import { resetDatabase } from './app';
import { MISSING_ID } from './builders';
import { exchangeOn, RawResponse } from './raw-http';

/**
 * The same hostile requests to an Express and a Fastify instance of the service, side by
 * side (whichever project runs this file): each answers with the same status, the same
 * headers (but the date, the request id and the length) and the same body, and that
 * answer is the one the table expects.
 */

const HOST = 'service.test';
const RECORD_PROCESS = `/records/${MISSING_ID}/process`;
const JSON_BODY = '{"source":"api","category":"order","payload":{}}';

interface HostileRequest {
  name: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as is after the headers (a chunked body is written out by hand). */
  body?: string | Buffer;
  status: number;
  /** The problem type expected (a 2xx: none). */
  type?: string;
}

const withLength = (body: string | Buffer, headers: Record<string, string> = {}) => ({
  headers: { 'Content-Length': String(Buffer.byteLength(body)), ...headers },
  body,
});
const json = (body: string | Buffer, headers: Record<string, string> = {}) =>
  withLength(body, { 'Content-Type': 'application/json', ...headers });

const TABLE: HostileRequest[] = [
  {
    name: 'an empty chunked body on POST /records',
    method: 'POST',
    path: '/records',
    headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
    body: '0\r\n\r\n',
    status: 400,
    type: 'validation-error',
  },
  {
    name: 'an empty chunked body on POST /records/retry',
    method: 'POST',
    path: '/records/retry',
    headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
    body: '0\r\n\r\n',
    status: 200,
  },
  {
    name: 'a GET with a malformed JSON body (ignored)',
    method: 'GET',
    path: '/records?limit=1',
    ...json('{"a":'),
    status: 200,
  },
  {
    name: 'a GET with a gzip-labelled body (ignored)',
    method: 'GET',
    path: '/records?limit=1',
    ...json('{}', { 'Content-Encoding': 'gzip' }),
    status: 200,
  },
  {
    name: 'Content-Type: application/json, text/plain',
    method: 'POST',
    path: '/records',
    ...withLength(JSON_BODY, { 'Content-Type': 'application/json, text/plain' }),
    status: 415,
    type: 'unsupported-media-type',
  },
  ...['gzip', 'br', 'deflate', 'x-made-up', 'gzip, identity'].map((encoding) => ({
    name: `a plain JSON body labelled Content-Encoding: ${encoding}`,
    method: 'POST',
    path: '/records',
    ...json(JSON_BODY, { 'Content-Encoding': encoding }),
    status: 415,
    type: 'unsupported-media-type',
  })),
  {
    name: 'a real gzip body',
    method: 'POST',
    path: '/records',
    ...json(gzipSync(JSON_BODY), { 'Content-Encoding': 'gzip' }),
    status: 415,
    type: 'unsupported-media-type',
  },
  {
    name: 'Content-Encoding: identity (accepted; the body is then judged)',
    method: 'POST',
    path: '/records',
    ...json('{}', { 'Content-Encoding': 'identity' }),
    status: 400,
    type: 'validation-error',
  },
  {
    name: 'a form POST with no body',
    method: 'POST',
    path: RECORD_PROCESS,
    ...withLength('', { 'Content-Type': 'application/x-www-form-urlencoded' }),
    status: 415,
    type: 'unsupported-media-type',
  },
  {
    name: 'a text/plain POST with no body',
    method: 'POST',
    path: RECORD_PROCESS,
    ...withLength('', { 'Content-Type': 'text/plain' }),
    status: 415,
    type: 'unsupported-media-type',
  },
  {
    name: 'a text/plain body',
    method: 'POST',
    path: '/records',
    ...withLength(JSON_BODY, { 'Content-Type': 'text/plain' }),
    status: 415,
    type: 'unsupported-media-type',
  },
  {
    name: 'a latin1 charset',
    method: 'POST',
    path: '/records',
    ...json(JSON_BODY, { 'Content-Type': 'application/json; charset=latin1' }),
    status: 415,
    type: 'unsupported-media-type',
  },
  {
    name: 'malformed JSON',
    method: 'POST',
    path: '/records',
    ...json('{"source":'),
    status: 400,
    type: 'malformed-request',
  },
  {
    name: 'a null limit',
    method: 'POST',
    path: '/records/retry',
    ...json('{"limit":null}'),
    status: 400,
    type: 'validation-error',
  },
  {
    name: 'a cross-site POST (Sec-Fetch-Site)',
    method: 'POST',
    path: RECORD_PROCESS,
    ...withLength('', { 'Sec-Fetch-Site': 'cross-site' }),
    status: 403,
    type: 'cross-site-request',
  },
  {
    name: "a POST from another site's origin",
    method: 'POST',
    path: RECORD_PROCESS,
    ...withLength('', { Origin: 'https://attacker.example' }),
    status: 403,
    type: 'cross-site-request',
  },
  {
    name: 'a POST from an opaque origin',
    method: 'POST',
    path: RECORD_PROCESS,
    ...withLength('', { Origin: 'null' }),
    status: 403,
    type: 'cross-site-request',
  },
  {
    name: 'a POST from the same host on another port',
    method: 'POST',
    path: RECORD_PROCESS,
    ...withLength('', { Origin: `http://${HOST}:8443` }),
    status: 403,
    type: 'cross-site-request',
  },
  {
    name: 'a cross-site form POST with a body',
    method: 'POST',
    path: '/records',
    ...withLength('source=x', {
      'Content-Type': 'application/x-www-form-urlencoded',
      'Sec-Fetch-Site': 'cross-site',
    }),
    status: 403,
    type: 'cross-site-request',
  },
  {
    name: "a POST from the service's own origin",
    method: 'POST',
    path: RECORD_PROCESS,
    ...withLength('', { Origin: `http://${HOST}`, 'Sec-Fetch-Site': 'same-origin' }),
    status: 404,
    type: 'record-not-found',
  },
  {
    name: 'a POST with neither header (curl)',
    method: 'POST',
    path: RECORD_PROCESS,
    ...withLength(''),
    status: 404,
    type: 'record-not-found',
  },
  {
    name: 'a same-site POST',
    method: 'POST',
    path: RECORD_PROCESS,
    ...withLength('', { 'Sec-Fetch-Site': 'same-site', Origin: `https://${HOST}` }),
    status: 404,
    type: 'record-not-found',
  },
];

/** What must be the same on both: the answer but its date, request id and length. */
function comparable(response: RawResponse) {
  const headers = { ...response.headers };
  for (const name of ['date', 'x-request-id', 'content-length']) delete headers[name];
  const body =
    typeof response.body === 'object' && response.body !== null
      ? { ...response.body, request_id: '<request id>' }
      : response.body;
  return { status: response.status, headers, body };
}

function rawRequest(request: HostileRequest): string | Buffer {
  const head = [
    `${request.method} ${request.path} HTTP/1.1`,
    `Host: ${HOST}`,
    'Connection: close',
    ...Object.entries(request.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head), Buffer.from(request.body ?? '')]);
}

describe('Both adapters answer hostile requests alike (e2e)', () => {
  const apps: Record<'express' | 'fastify', { app: INestApplication; port: number }> = {} as never;
  const warnings: unknown[][] = [];

  beforeAll(async () => {
    const emitWarning = jest.spyOn(process, 'emitWarning');
    for (const adapter of ['express', 'fastify'] as const) {
      const app = await createApp({ HTTP_ADAPTER: adapter });
      await initApp(app);
      const server = app.getHttpServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      apps[adapter] = { app, port: (server.address() as AddressInfo).port };
    }
    warnings.push(...emitWarning.mock.calls);
    emitWarning.mockRestore();
    await resetDatabase(apps.express.app.get(DataSource));
  });
  afterAll(async () => {
    for (const { app } of Object.values(apps)) await app.close();
  });

  it.each(TABLE.map((request) => [request.name, request] as const))(
    '%s',
    async (_name, request) => {
      const express = await exchangeOn(apps.express.port, rawRequest(request));
      const fastify = await exchangeOn(apps.fastify.port, rawRequest(request));
      expect(comparable(fastify)).toEqual(comparable(express));
      expect(express.status).toBe(request.status);
      if (request.type) {
        expect(express.body).toMatchObject({ type: `/problems/${request.type}` });
      }
    },
  );

  it('names Content-Encoding when it refuses an encoded body', async () => {
    const [gzip] = TABLE.filter((request) => request.name.endsWith('Content-Encoding: gzip'));
    const response = await exchangeOn(apps.fastify.port, rawRequest(gzip));
    expect(response.body).toMatchObject({
      message: 'Content-Encoding is not supported: send the body uncompressed (identity)',
    });
  });

  it('starts Fastify without a deprecation warning (stderr stays one JSON object per line)', () => {
    expect(warnings).toEqual([]);
  });
});
