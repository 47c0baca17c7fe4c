import { createHash } from 'node:crypto';

const PRINTABLE = /^[\x20-\x7E]{1,255}$/;
// An RFC 8941 sf-string: printable ASCII in quotes, with \" and \\ escaped.
const SF_STRING = /^"((?:[\x20\x21\x23-\x5B\x5D-\x7E]|\\["\\])*)"$/;

/**
 * The key an Idempotency-Key header names: 1-255 printable ASCII characters,
 * bare or as a quoted structured-field string. Undefined when it is not valid.
 */
export function parseIdempotencyKey(header: string): string | undefined {
  const quoted = SF_STRING.exec(header);
  const key = quoted ? quoted[1].replace(/\\(["\\])/g, '$1') : header;
  if (!quoted && header.startsWith('"')) return undefined;
  return PRINTABLE.test(key) ? key : undefined;
}

/** JSON with object keys sorted at every depth, so equal bodies serialize equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** What makes two requests "the same": method, path and canonical body. */
export const requestFingerprint = (method: string, path: string, body: unknown): string =>
  sha256(`${method} ${path} ${canonicalJson(body ?? null)}`);

/**
 * Seconds a client should wait before asking again about a request still in flight with
 * its key: about as long as that request has run so far (one that started a moment ago
 * will likely end in a moment; one that has run for 5 s may need as long again), at least
 * 1 s, and never past the moment its claim may be taken over (when a crashed instance
 * abandoned it).
 */
export function inFlightRetryAfterSeconds(ageMs: number, lockRemainingMs: number): number {
  const estimate = Math.round(Math.max(ageMs, 0) / 1000);
  const takeover = Math.ceil(Math.max(lockRemainingMs, 0) / 1000);
  return Math.max(1, Math.min(estimate, takeover));
}
