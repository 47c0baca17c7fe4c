import { useTestApp } from './app';
import { GENERATED_REQUEST_ID } from './builders';
import { exchangeOn, RawResponse } from './raw-http';

/** This suite's own port (the helper's private range), for raw sockets. */
const PORT = 55501;

/** Writes `chunks` to a new connection to this suite's server (see raw-http.ts). */
const exchange = (...chunks: (string | Buffer)[]): Promise<RawResponse> =>
  exchangeOn(PORT, ...chunks);

/** A problem written by the server's clientError handler. */
const parserProblem = (
  status: number,
  error: string,
  type: string,
  message: string,
  instance?: string,
) => ({
  type: `/problems/${type}`,
  title: expect.any(String),
  status,
  detail: message,
  ...(instance === undefined ? {} : { instance }),
  error,
  message,
  request_id: expect.stringMatching(/^.{1,128}$/),
});

describe('Requests refused by the HTTP parser (e2e)', () => {
  const t = useTestApp({ HTTP_HEADERS_TIMEOUT_MS: '500', HTTP_REQUEST_TIMEOUT_MS: '1000' });

  beforeAll(async () => {
    await new Promise<void>((resolve) => t.http.listen(PORT, '127.0.0.1', resolve));
  });

  const expectProblemHeaders = (response: RawResponse) => {
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.headers.connection).toBe('close');
    expect((response.body as { request_id: string }).request_id).toBe(
      response.headers['x-request-id'],
    );
  };

  it('answers headers over 16 KiB with 431 as a problem with a request id', async () => {
    const response = await exchange(
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    );
    expect(response.status).toBe(431);
    expectProblemHeaders(response);
    expect(response.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
    expect(response.body).toEqual(
      parserProblem(
        431,
        'RequestHeaderFieldsTooLarge',
        'request-header-fields-too-large',
        'The request line and headers exceed 16 KiB',
      ),
    );
  });

  it('answers a request that is not HTTP with 400 as a problem', async () => {
    const response = await exchange('HELLO THERE\r\n\r\n');
    expect(response.status).toBe(400);
    expectProblemHeaders(response);
    expect(response.body).toEqual(
      parserProblem(
        400,
        'BadRequest',
        'malformed-request',
        expect.stringMatching(/^The request is not valid HTTP \(HPE_[A-Z_]+\)$/),
      ),
    );
  });

  it('answers bad chunking with 400 under the request id the request already had', async () => {
    const response = await exchange(
      'POST /records HTTP/1.1\r\nHost: x\r\nX-Request-ID: chunks-1\r\n' +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      'zz\r\n{}\r\n0\r\n\r\n',
    );
    expect(response.status).toBe(400);
    expectProblemHeaders(response);
    expect(response.headers['x-request-id']).toBe('chunks-1');
    expect(response.body).toEqual(
      parserProblem(
        400,
        'BadRequest',
        'malformed-request',
        'The request is not valid HTTP (HPE_INVALID_CHUNK_SIZE)',
        '/records',
      ),
    );
    expect(await t.db.query('SELECT id FROM records')).toEqual([]);
  });

  it('answers a stalled body with 408 as a problem, once HTTP_REQUEST_TIMEOUT_MS has passed', async () => {
    const response = await exchange(
      'POST /records HTTP/1.1\r\nHost: x\r\nX-Request-ID: stalled-1\r\n' +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"source":',
    );
    expect(response.status).toBe(408);
    expectProblemHeaders(response);
    expect(response.headers['x-request-id']).toBe('stalled-1');
    expect(response.body).toEqual(
      parserProblem(
        408,
        'RequestTimeout',
        'request-timeout',
        'The request was not received in time',
        '/records',
      ),
    );
    expect(await t.db.query('SELECT id FROM records')).toEqual([]);
  });

  it('answers stalled headers with 408 as a problem', async () => {
    const response = await exchange('GET /health/live HTTP/1.1\r\nHost: x\r\n');
    expect(response.status).toBe(408);
    expectProblemHeaders(response);
    expect(response.body).toEqual(
      parserProblem(
        408,
        'RequestTimeout',
        'request-timeout',
        'The request was not received in time',
      ),
    );
  });

  it('still serves a whole request on the same server', async () => {
    const response = await exchange(
      'GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(response.status).toBe(200);
    expect(response.headers['x-request-id']).toMatch(GENERATED_REQUEST_ID);
  });
});
