import { canonicalJson, parseIdempotencyKey, requestFingerprint } from './idempotency-key';

describe('parseIdempotencyKey', () => {
  it.each([
    ['abc-123', 'abc-123'],
    ['8e03978e-40d5-43e8-bc93-6894a57f9324', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['"quoted key"', 'quoted key'],
    ['"with \\"escapes\\" and \\\\"', 'with "escapes" and \\'],
    ['k'.repeat(255), 'k'.repeat(255)],
    ['spaces inside are printable', 'spaces inside are printable'],
  ])('%j -> %j', (header, key) => {
    expect(parseIdempotencyKey(header)).toBe(key);
  });

  it.each([
    '',
    'k'.repeat(256),
    '""',
    '"unterminated',
    'tab\there',
    'caf\u00e9',
    '"bad \\x escape"',
  ])('refuses %j', (header) => {
    expect(parseIdempotencyKey(header)).toBeUndefined();
  });
});

describe('requestFingerprint', () => {
  it('ignores key order, and nothing else', () => {
    const a = requestFingerprint('POST', '/records', { a: 1, b: { c: [1, 2], d: null } });
    expect(requestFingerprint('POST', '/records', { b: { d: null, c: [1, 2] }, a: 1 })).toBe(a);
    expect(requestFingerprint('POST', '/records', { a: 1, b: { c: [2, 1], d: null } })).not.toBe(a);
    expect(requestFingerprint('POST', '/other', { a: 1, b: { c: [1, 2], d: null } })).not.toBe(a);
  });

  it('serializes canonically', () => {
    expect(canonicalJson({ b: [true, 'x'], a: { d: 1, c: null } })).toBe(
      '{"a":{"c":null,"d":1},"b":[true,"x"]}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });
});
