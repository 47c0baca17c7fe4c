import { STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { PROBLEM_KINDS, ProblemBody, ProblemType, problemTypeUri } from './problem';
import { newRequestId, REQUEST_ID_HEADER } from './request-id';

/** Errors of Node's HTTP parser and server, as the problem each one is. */
const PARSER_PROBLEMS: Partial<Record<string, { type: ProblemType; message: string }>> = {
  HPE_HEADER_OVERFLOW: {
    type: 'request-header-fields-too-large',
    message: 'The request line and headers exceed 16 KiB',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    type: 'payload-too-large',
    message: 'The chunk extensions of the request body are too large',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    type: 'request-timeout',
    message: 'The request was not received in time',
  },
};

type ParserError = Error & { code?: string };

/** The response a request was being answered with when its connection failed, if any. */
const inFlight = (socket: Socket): ServerResponse | undefined =>
  (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage ?? undefined;

/**
 * The whole HTTP response for a request Node's parser refused (or that timed out), as the
 * exception filter would have answered it: a problem document with X-Request-ID. The id
 * and path are those of the request being read when they are known (a stalled or badly
 * chunked body), else a new id and no instance (a request whose headers could not be read).
 */
export function clientErrorResponse(
  error: ParserError,
  requestId: string,
  path: string | undefined,
): string {
  const known = PARSER_PROBLEMS[error.code ?? ''];
  const type = known?.type ?? 'malformed-request';
  const { status, error: reason, title } = PROBLEM_KINDS[type];
  const message = known?.message ?? `The request is not valid HTTP (${error.code ?? 'unknown'})`;
  const body: Partial<ProblemBody> = {
    type: problemTypeUri(type),
    title,
    status,
    detail: message,
    ...(path === undefined ? {} : { instance: path }),
    error: reason,
    message,
    request_id: requestId,
  };
  const text = JSON.stringify(body);
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(text)}`,
    `${REQUEST_ID_HEADER}: ${requestId}`,
    'Connection: close',
    '',
    text,
  ].join('\r\n');
}

/**
 * The server's `clientError` listener: what Node would answer with a bare status line
 * (400, 408, 413, 431) is answered as a problem document with X-Request-ID, and logged.
 * A connection the client reset, or one whose response has already started, is closed.
 */
export function clientErrorHandler(log: Logger) {
  return (error: ParserError, socket: Socket): void => {
    const response = inFlight(socket);
    if (error.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
      socket.destroy();
      return;
    }
    const assigned = response?.getHeader(REQUEST_ID_HEADER);
    const requestId = typeof assigned === 'string' ? assigned : newRequestId();
    const url = (response as { req?: { url?: string } } | undefined)?.req?.url;
    const path = url?.split('?')[0];
    const text = clientErrorResponse(error, requestId, path);
    log.warn(
      { request_id: requestId, code: error.code, status: Number(text.slice(9, 12)) },
      'request refused by the HTTP parser',
    );
    socket.end(text);
  };
}

export interface HttpServerLimits {
  /** Longest wait for a request's headers (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** Longest wait for a whole request, body included (Node's requestTimeout). */
  requestTimeoutMs: number;
}

/**
 * Bounds how long a connection may hold the server with an unfinished request (a stalled
 * body otherwise waits Node's 300 s default), checked every second at most, and answers
 * what the parser refuses as the rest of the API answers. Call before the server listens
 * (the check interval is read then). Adapter-neutral: any Node HTTP server.
 */
export function hardenHttpServer(server: Server, limits: HttpServerLimits, log: Logger): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    Math.max(50, Math.min(1000, Math.floor(shortest / 4)));
  server.on('clientError', clientErrorHandler(log));
}
