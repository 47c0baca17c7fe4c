import { createHash } from 'node:crypto';
import {
  canonicalJson,
  inFlightRetryAfterSeconds,
  parseIdempotencyKey,
  requestFingerprint,
  sha256,
} from './idempotency-key';

describe('parseIdempotencyKey', () => {
  it.each([
    ['abc-123', 'abc-123'],
    ['8e03978e-40d5-43e8-bc93-6894a57f9324', '8e03978e-40d5-43e8-bc93-6894a57f9324'],
    ['"quoted key"', 'quoted key'],
    ['"with \\"escapes\\" and \\\\"', 'with "escapes" and \\'],
    ['k'.repeat(255), 'k'.repeat(255)],
    [`"${'k'.repeat(255)}"`, 'k'.repeat(255)],
    ['x', 'x'],
    ['"x"', 'x'],
    ['spaces inside are printable', 'spaces inside are printable'],
    [' !#~', ' !#~'],
    ['a "quote" not at the start', 'a "quote" not at the start'],
    ['unbalanced quotes" inside"', 'unbalanced quotes" inside"'],
    ['"all of !#$%&\'()*+,-./:;<=>?@[]^_`{|}~"', "all of !#$%&'()*+,-./:;<=>?@[]^_`{|}~"],
    ['"\\\\"', '\\'],
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
    `"${'k'.repeat(256)}"`,
    '"',
    '"a"b"',
    '"trailing backslash\\"',
    '"tab\tinside"',
    'del\x7F',
    'nul\u0000',
    'line\nbreak',
    'emoji \uD83D\uDE00',
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

  it('tells methods apart, and reads a missing body as null', () => {
    expect(requestFingerprint('POST', '/records', {})).not.toBe(
      requestFingerprint('PUT', '/records', {}),
    );
    expect(requestFingerprint('POST', '/records', undefined)).toBe(
      requestFingerprint('POST', '/records', null),
    );
    expect(requestFingerprint('POST', '/records', undefined)).not.toBe(
      requestFingerprint('POST', '/records', {}),
    );
  });

  it('is the SHA-256 of method, path and canonical body, in hex', () => {
    expect(requestFingerprint('POST', '/records', { b: 1, a: 2 })).toBe(
      createHash('sha256').update('POST /records {"a":2,"b":1}').digest('hex'),
    );
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it.each<[unknown, string]>([
    [{ b: [true, 'x'], a: { d: 1, c: null } }, '{"a":{"c":null,"d":1},"b":[true,"x"]}'],
    [[{ z: 1, y: 2 }, [{ b: 0, a: 0 }]], '[{"y":2,"z":1},[{"a":0,"b":0}]]'],
    [{}, '{}'],
    [[], '[]'],
    [{ 'k"ey': 'va\\"lue\n' }, '{"k\\"ey":"va\\\\\\"lue\\n"}'],
    [{ n: 1.5e300, m: -0.25 }, '{"m":-0.25,"n":1.5e+300}'],
    ['text', '"text"'],
    [null, 'null'],
    [undefined, 'null'],
  ])('serializes %j canonically', (value, json) => {
    expect(canonicalJson(value)).toBe(json);
  });

  it('serializes canonically', () => {
    expect(canonicalJson({ b: [true, 'x'], a: { d: 1, c: null } })).toBe(
      '{"a":{"c":null,"d":1},"b":[true,"x"]}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('inFlightRetryAfterSeconds', () => {
  it.each([
    [0, 30_000, 1],
    [20, 29_980, 1],
    [999, 29_000, 1],
    [1001, 29_000, 1],
    [1600, 28_400, 2],
    [5000, 25_000, 5],
    [4200, 25_800, 4],
    [5030, 24_970, 5],
    [25_000, 3000, 3],
    [25_000, 2100, 3],
    [40_000, -1000, 1],
    [-50, 30_000, 1],
  ])('a claim %d ms old, %d ms before takeover: %d s', (age, remaining, seconds) => {
    expect(inFlightRetryAfterSeconds(age, remaining)).toBe(seconds);
  });
});
