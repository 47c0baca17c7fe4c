import { Webhook } from 'standardwebhooks';
import { SecretBox } from './secret-box';
import { newWebhookSecret, signatureHeader } from './webhook-signature';

describe('webhook signatures', () => {
  it('makes whsec_ secrets of 32 random bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('signs so that the reference library verifies, one signature per secret', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    const body = '{"id":"evt_1","type":"record.created"}';
    const timestamp = Math.floor(Date.now() / 1000);
    const header = signatureHeader([a, b], 'evt_1', timestamp, body);
    expect(header.split(' ')).toHaveLength(2);
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': header,
    };
    for (const secret of [a, b]) expect(new Webhook(secret).verify(body, headers)).toBeTruthy();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(a).verify(`${body} `, headers)).toThrow();
  });
});

describe('SecretBox', () => {
  const key = Buffer.alloc(32, 7).toString('base64');

  it('encrypts so that the stored value does not contain the secret, and opens it again', () => {
    const box = new SecretBox(key);
    const sealed = box.seal('whsec_abc', 'endpoint-1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('abc');
    expect(box.open(sealed, 'endpoint-1')).toBe('whsec_abc');
  });

  it('refuses a value moved to another endpoint, or opened with another key', () => {
    const sealed = new SecretBox(key).seal('whsec_abc', 'endpoint-1');
    expect(() => new SecretBox(key).open(sealed, 'endpoint-2')).toThrow();
    expect(() =>
      new SecretBox(Buffer.alloc(32, 8).toString('base64')).open(sealed, 'endpoint-1'),
    ).toThrow();
    expect(() => new SecretBox(undefined).open(sealed, 'endpoint-1')).toThrow('WEBHOOK_SECRET_KEY');
  });

  it('without a key keeps the secret in clear, marked so', () => {
    const box = new SecretBox(undefined);
    expect(box.encrypts).toBe(false);
    expect(box.open(box.seal('whsec_abc', 'e'), 'e')).toBe('whsec_abc');
  });
});
