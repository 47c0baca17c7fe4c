import { createHmac, randomBytes } from 'node:crypto';

/** Random bytes in a new secret (Standard Webhooks allows 24-64). */
const SECRET_BYTES = 32;
const PREFIX = 'whsec_';

/** A new endpoint secret: `whsec_` + base64 of random bytes. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** The HMAC key a secret stands for (the bytes after `whsec_`, base64-decoded). */
const keyOf = (secret: string): Buffer =>
  Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');

/**
 * The `webhook-signature` header of Standard Webhooks: one `v1,<base64 HMAC-SHA256>`
 * per secret, space-separated, over `{id}.{timestamp}.{body}` (the exact bytes sent).
 */
export function signatureHeader(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): string {
  const signed = `${id}.${timestamp}.${body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', keyOf(secret)).update(signed).digest('base64')}`)
    .join(' ');
}
