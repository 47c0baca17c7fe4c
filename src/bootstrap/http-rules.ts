import type { IncomingHttpHeaders } from 'node:http';
import type { HelmetOptions } from 'helmet';
import type { PayloadPlace } from '../common/json-body';
import { BATCH_BODY_LIMIT_BYTES, BATCH_ROUTE } from '../records/dto/create-records-batch.dto';

/**
 * What both adapters enforce the same way (express.ts, fastify.ts): the body limit,
 * the JSON media types, when a request has a body at all, and helmet's headers.
 */

/** Largest request body: 1 MiB (answered 413 above it). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The largest body any route takes (what an adapter's own limit must allow). */
export const MAX_BODY_LIMIT_BYTES = Math.max(BODY_LIMIT_BYTES, BATCH_BODY_LIMIT_BYTES);

/** How a request's body is read: its limit, and where its payloads are. */
export interface BodyRules {
  limit: number;
  payloads: PayloadPlace;
}

const BATCH_BODY: BodyRules = { limit: BATCH_BODY_LIMIT_BYTES, payloads: 'items' };
const SINGLE_BODY: BodyRules = { limit: BODY_LIMIT_BYTES, payloads: 'top' };

/**
 * The rules for a request URL (read before routing), matched as the routers match:
 * case-insensitive, with or without a trailing slash, the query aside.
 */
export function bodyRulesFor(url: string | undefined): BodyRules {
  const path = (url ?? '').split('?')[0].toLowerCase().replace(/\/+$/, '');
  return path === BATCH_ROUTE ? BATCH_BODY : SINGLE_BODY;
}

/** Bodies of these types are JSON; any other body is refused with 415. */
export const JSON_TYPES = ['application/json', 'application/*+json'];

export const UNSUPPORTED_MEDIA_TYPE_MESSAGE = 'Content-Type must be application/json';
export const UNSUPPORTED_CHARSET_MESSAGE = 'Content-Type charset must be utf-8';
export const UNSUPPORTED_ENCODING_MESSAGE =
  'Content-Encoding is not supported: send the body uncompressed (identity)';

/**
 * A request has content when it is chunked or declares a positive length.
 * `Content-Length: 0` (what fetch sends on a POST without a body, such as
 * /records/{id}/process) is no body at all, whatever its type.
 */
export const hasContent = (headers: IncomingHttpHeaders): boolean =>
  headers['transfer-encoding'] !== undefined || Number(headers['content-length']) > 0;

/** helmet's headers, with a CSP that lets the Swagger UI at /docs run. */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: true,
    directives: {
      // The Swagger UI at /docs loads its scripts from /docs and has inline <style> blocks.
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
      // Served over plain HTTP too (behind a TLS-terminating proxy, or locally).
      'upgrade-insecure-requests': null,
    },
  },
};
