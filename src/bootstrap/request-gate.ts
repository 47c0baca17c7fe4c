import { ForbiddenException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import typeIs from 'type-is';
import { isUtf8ContentType } from '../common/json-body';
import { ApiKeys } from '../security/api-keys';
import { CROSS_SITE_MESSAGE, isCrossSite } from '../security/cross-site';
import {
  hasContent,
  JSON_TYPES,
  UNSUPPORTED_CHARSET_MESSAGE,
  UNSUPPORTED_ENCODING_MESSAGE,
  UNSUPPORTED_MEDIA_TYPE_MESSAGE,
} from './http-rules';

/** Methods whose body is ignored (never read, never judged), on both adapters. */
const BODILESS_METHODS = new Set(['GET', 'HEAD']);

/**
 * What a request is refused with before its body is read, the same on both adapters
 * (express.ts and fastify.ts run this middleware before reading any body):
 * - a POST from another site's page: 403 (see cross-site.ts);
 * - then, unless the API keys refuse the write (the guard answers 401, whatever its body):
 *   a Content-Encoding other than identity: 415; a body, or a POST's Content-Type even
 *   with no body, that is not JSON: 415; a charset other than UTF-8: 415.
 * GET and HEAD bodies are ignored.
 */
export function requestGate(apiKeys: ApiKeys) {
  return (request: IncomingMessage, _response: ServerResponse, next: (error?: unknown) => void) => {
    const method = String(request.method).toUpperCase();
    if (BODILESS_METHODS.has(method)) return next();
    const { headers } = request;
    if (method === 'POST' && isCrossSite(headers)) {
      return next(new ForbiddenException(CROSS_SITE_MESSAGE));
    }
    if (!apiKeys.allows(request)) return next();
    const encoding = headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      return next(new UnsupportedMediaTypeException(UNSUPPORTED_ENCODING_MESSAGE));
    }
    const type = headers['content-type'];
    if (hasContent(headers) || (method === 'POST' && type !== undefined)) {
      if (type === undefined || typeIs.is(type, JSON_TYPES) === false) {
        return next(new UnsupportedMediaTypeException(UNSUPPORTED_MEDIA_TYPE_MESSAGE));
      }
      if (!isUtf8ContentType(type)) {
        return next(new UnsupportedMediaTypeException(UNSUPPORTED_CHARSET_MESSAGE));
      }
    }
    next();
  };
}
