import type { IncomingHttpHeaders } from 'node:http';
import type { HelmetOptions } from 'helmet';

/**
 * What both adapters enforce the same way (express.ts, fastify.ts): the body limit,
 * the JSON media types, when a request has a body at all, and helmet's headers.
 */

/** Largest request body: 1 MiB (answered 413 above it). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

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
