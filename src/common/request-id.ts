import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'X-Request-ID';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A new id: `req_` and the 32 hex digits of a random UUID (122 random bits).
 * randomUUID draws from a cached entropy pool: cheaper per request than randomBytes.
 */
export const newRequestId = (): string => `req_${randomUUID().replaceAll('-', '')}`;

/** The client's id when it is 1-128 characters of [A-Za-z0-9._:-], otherwise a new one. */
export function resolveRequestId(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && CLIENT_REQUEST_ID.test(candidate) ? candidate : newRequestId();
}

type RequestWithId = IncomingMessage & { id?: string };

/** The id of a request, assigning one if nothing has yet. */
export function requestIdOf(request: RequestWithId, response?: ServerResponse): string {
  if (!request.id) {
    request.id = resolveRequestId(request.headers['x-request-id']);
    if (response && !response.headersSent) response.setHeader(REQUEST_ID_HEADER, request.id);
  }
  return request.id;
}
