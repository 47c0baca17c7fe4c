import { clientErrorResponse } from './client-errors';

const parse = (text: string) => {
  const [head, body] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  return { statusLine, lines, body: JSON.parse(body) as Record<string, unknown>, raw: body };
};

const parserError = (code: string) => Object.assign(new Error(code), { code });

describe('clientErrorResponse', () => {
  it.each([
    [
      'HPE_HEADER_OVERFLOW',
      431,
      'Request Header Fields Too Large',
      'request-header-fields-too-large',
    ],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'Request Timeout', 'request-timeout'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'Payload Too Large', 'payload-too-large'],
    ['HPE_INVALID_METHOD', 400, 'Bad Request', 'malformed-request'],
  ])('answers %s with %d, a problem document and the request id', (code, status, reason, type) => {
    const response = parse(clientErrorResponse(parserError(code), 'req_1', '/records'));
    expect(response.statusLine).toBe(`HTTP/1.1 ${status} ${reason}`);
    expect(response.lines).toEqual([
      'Content-Type: application/problem+json',
      `Content-Length: ${Buffer.byteLength(response.raw)}`,
      'X-Request-ID: req_1',
      'Connection: close',
    ]);
    expect(response.body).toMatchObject({
      type: `/problems/${type}`,
      status,
      instance: '/records',
      request_id: 'req_1',
    });
    expect(response.body.message).toBe(response.body.detail);
  });

  it('names the parser error of a request that is not HTTP, and leaves out an unknown path', () => {
    const { body } = parse(
      clientErrorResponse(parserError('HPE_INVALID_CHUNK_SIZE'), 'r', undefined),
    );
    expect(body).toEqual({
      type: '/problems/malformed-request',
      title: 'Malformed request',
      status: 400,
      detail: 'The request is not valid HTTP (HPE_INVALID_CHUNK_SIZE)',
      error: 'BadRequest',
      message: 'The request is not valid HTTP (HPE_INVALID_CHUNK_SIZE)',
      request_id: 'r',
    });
  });
});
