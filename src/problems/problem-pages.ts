import { PROBLEM_KINDS, ProblemType, problemTypeUri } from '../common/problem';

interface PageText {
  meaning: string;
  remedy: string;
}

/** What each problem type means and what a client should do (`code` in backquotes). */
const PAGES: Record<ProblemType, PageText> = {
  'validation-error': {
    meaning:
      'The request was read, but a field or query parameter broke a rule: a required field is missing, a value has the wrong type, length or range, or a field the API does not know was sent. `details` lists each field with the rule it broke.',
    remedy:
      'Correct the fields named in `details` and send the request again; sent unchanged, it gets the same answer.',
  },
  'malformed-request': {
    meaning:
      'The request could not be read: it is not valid HTTP (answered by the server before the request reaches the API, so `instance` may be missing), its body is not valid JSON or not valid UTF-8, or it holds a value the service cannot store.',
    remedy: 'Send a body that is valid JSON, shaped as the API documentation at `/docs` says.',
  },
  unauthorized: {
    meaning:
      'This service requires an API key on every POST, and this request carried none, or one that is not valid.',
    remedy:
      'Send one of your keys in `X-API-Key`, or as `Authorization: Bearer <key>`. Reads (GET) need no key.',
  },
  'cross-site-request': {
    meaning:
      "A POST was sent by another site's page: the browser said so (`Sec-Fetch-Site: cross-site`), or the request's `Origin` is not this service's own. Such a page could otherwise process or retry records on behalf of whoever opened it.",
    remedy:
      'Call the API from a server or a command-line client (which send neither header), or from a page this service serves (the console at `/console`).',
  },
  'record-not-found': {
    meaning: 'No record has this id (a value that is not a UUID never names one).',
    remedy:
      'Check the id: take it from the `id` (or the `Location` header) of the answer that created the record, or from `GET /records`.',
  },
  'webhook-not-found': {
    meaning: 'No webhook endpoint has this id (a value that is not a UUID never names one).',
    remedy:
      'Check the id: take it from the answer that created the endpoint, or from `GET /webhooks`.',
  },
  'webhook-delivery-not-found': {
    meaning: 'No webhook delivery has this id.',
    remedy: "Take the id from the endpoint's delivery list, `GET /webhooks/{id}/deliveries`.",
  },
  'route-not-found': {
    meaning: 'Nothing is served at this path.',
    remedy: 'Check the path against the API documentation at `/docs`.',
  },
  'method-not-allowed': {
    meaning: 'The path exists, but it is not served with this method.',
    remedy: 'Use one of the methods listed in the `Allow` header of the answer.',
  },
  'request-timeout': {
    meaning:
      'The request did not arrive in time: its headers (`HTTP_HEADERS_TIMEOUT_MS`, 10 s by default) or all of it, body included (`HTTP_REQUEST_TIMEOUT_MS`, 30 s by default), took longer than the service waits. The connection is closed.',
    remedy:
      'Send the whole request promptly, on a new connection. A POST sent with an `Idempotency-Key` is safe to send again with the same key.',
  },
  'invalid-transition': {
    meaning:
      'The record is not in a state that allows this action: only a pending record can be processed, and only a failed record can be retried. A record is processed exactly once, so every call but the first gets this answer.',
    remedy:
      'Read the record (`GET /records/{id}`) to see its status and outcome. A processed record needs nothing more; retry a failed record before processing it again. To repeat a call safely, send it with an `Idempotency-Key`: the repeat gets the first answer again.',
  },
  'request-in-flight': {
    meaning: 'An earlier request with the same `Idempotency-Key` is still being processed.',
    remedy:
      'Wait the number of seconds in `Retry-After`, then send the same request with the same key again: it gets the stored answer of the first.',
  },
  'payload-too-large': {
    meaning: 'The request body is larger than 1 MiB.',
    remedy: "Send a smaller body (a record's `payload` may be at most 64 KiB once serialized).",
  },
  'unsupported-media-type': {
    meaning: 'The request has a body that is not declared as JSON.',
    remedy: 'Send the body as JSON, with `Content-Type: application/json`.',
  },
  'idempotency-key-reused': {
    meaning:
      'This `Idempotency-Key` was already used, on the same method and path, with a different request body.',
    remedy:
      'Use a new key for each new request; send a key again only to repeat exactly the same request.',
  },
  'rate-limited': {
    meaning: 'This client sent more requests in the last minute than the service allows.',
    remedy: 'Wait the number of seconds in `Retry-After` before sending more.',
  },
  'request-header-fields-too-large': {
    meaning:
      'The request line and headers together are larger than the service reads (16 KiB). The connection is closed.',
    remedy: 'Send fewer or shorter headers (large cookies are the usual cause).',
  },
  'internal-error': {
    meaning:
      'The service failed in a way it did not expect. The cause is not shown; it is logged under the request id.',
    remedy:
      'Try again later. If it keeps happening, give the operators the `request_id` of the answer.',
  },
  'service-unavailable': {
    meaning:
      'The service cannot answer now: its database is unreachable or overloaded, or this instance is shutting down.',
    remedy:
      'Retry after the number of seconds in `Retry-After`. A POST sent with an `Idempotency-Key` is safe to retry with the same key.',
  },
};

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Escapes the text, then shows `backquoted` parts as code. */
const prose = (text: string): string =>
  escapeHtml(text).replace(/`([^`]+)`/g, (_, code: string) => `<code>${code}</code>`);

/** A whole page: no script and no inline style, so the service's CSP (default-src 'self') holds. */
function page(title: string, body: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)} - Workflow Service</title>`,
    '</head>',
    '<body>',
    '<main>',
    body,
    '<p><a href="/problems">All problem types</a> | <a href="/docs">API documentation</a></p>',
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export const isProblemType = (name: string): name is ProblemType => Object.hasOwn(PAGES, name);

export function problemPage(type: ProblemType): string {
  const { status, error, title } = PROBLEM_KINDS[type];
  const { meaning, remedy } = PAGES[type];
  return page(
    title,
    [
      `<h1>${escapeHtml(title)}</h1>`,
      `<p>HTTP ${status}, <code>"error": "${error}"</code>, <code>"type": "${problemTypeUri(type)}"</code></p>`,
      '<h2>What it means</h2>',
      `<p>${prose(meaning)}</p>`,
      '<h2>What to do</h2>',
      `<p>${prose(remedy)}</p>`,
    ].join('\n'),
  );
}

export function problemIndexPage(): string {
  const items = (Object.keys(PAGES) as ProblemType[]).map(
    (type) =>
      `<li><a href="${problemTypeUri(type)}">${escapeHtml(PROBLEM_KINDS[type].title)}</a> (${PROBLEM_KINDS[type].status})</li>`,
  );
  return page(
    'Problem types',
    [
      '<h1>Problem types</h1>',
      '<p>Every error of this service is an RFC 9457 problem document whose <code>type</code> is one of these pages.</p>',
      '<ul>',
      ...items,
      '</ul>',
    ].join('\n'),
  );
}
