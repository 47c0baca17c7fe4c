import { validateSync } from 'class-validator';
import {
  IsCodePointLength,
  IsStorablePayload,
  IsStorableText,
  MAX_PAYLOAD_BYTES,
  MAX_PAYLOAD_DEPTH,
  payloadProblem,
  textProblem,
} from './storable-json';

/** `{"v":{"v":...{"v":1}}}`: `levels` objects, one inside the other. */
const nested = (levels: number): Record<string, unknown> =>
  levels === 1 ? { v: 1 } : { v: nested(levels - 1) };

/** `{"a":[[...[1]...]]}`: the object and `levels - 1` arrays, one inside the other. */
const inArrays = (levels: number): Record<string, unknown> => {
  let value: unknown = 1;
  for (let level = 1; level < levels; level++) value = [value];
  return { a: value };
};

/** `{"a":"xxx"}` whose serialization is exactly `bytes` bytes long. */
const ofBytes = (bytes: number): Record<string, unknown> => ({ a: 'x'.repeat(bytes - 8) });

describe('textProblem', () => {
  it.each([
    ['plain text', 'order 12345'],
    ['the empty string', ''],
    ['accents and CJK', 'café 注文'],
    ['a surrogate pair (an emoji)', 'ok \uD83D\uDE00 ok'],
    ['a pair at the very end', 'x\uD83D\uDE00'],
    ['U+FFFF', '\uFFFF'],
    ['a control character other than NUL', '\u0001\u001F'],
  ])('accepts %s', (_, text) => {
    expect(textProblem(text)).toBeUndefined();
  });

  it.each([
    ['NUL', 'a\u0000b', 'contains a NUL character'],
    ['NUL alone', '\u0000', 'contains a NUL character'],
    ['a lone high surrogate', 'a\uD83Db', 'contains an unpaired UTF-16 surrogate'],
    ['a high surrogate at the end', 'abc\uD83D', 'contains an unpaired UTF-16 surrogate'],
    ['a lone low surrogate', 'a\uDE00b', 'contains an unpaired UTF-16 surrogate'],
    ['a low surrogate first', '\uDE00abc', 'contains an unpaired UTF-16 surrogate'],
    ['a pair in the wrong order', '\uDE00\uD83D', 'contains an unpaired UTF-16 surrogate'],
    ['the first high surrogate', '\uD800', 'contains an unpaired UTF-16 surrogate'],
    ['the last high surrogate', '\uDBFF', 'contains an unpaired UTF-16 surrogate'],
    ['the first low surrogate', '\uDC00', 'contains an unpaired UTF-16 surrogate'],
    ['the last low surrogate', '\uDFFF', 'contains an unpaired UTF-16 surrogate'],
    ['a surrogate after a NUL', '\u0000\uD800', 'contains a NUL character'],
    ['a NUL after a surrogate', '\uD800\u0000', 'contains an unpaired UTF-16 surrogate'],
  ])('refuses %s', (_, text, problem) => {
    expect(textProblem(text)).toBe(problem);
  });
});

describe('payloadProblem', () => {
  it.each([
    ['the contract example', { order_id: '12345', amount: 99.99 }],
    ['an empty object', {}],
    ['nested arrays and objects', { a: [1, [2, { b: null }]], c: { d: true } }],
    [`exactly ${MAX_PAYLOAD_BYTES} bytes (64 KiB)`, ofBytes(64 * 1024)],
    [`${MAX_PAYLOAD_DEPTH} levels`, nested(32)],
    ['32 levels through arrays', inArrays(32)],
    ['an emoji in a key and a value', { '\uD83D\uDE00': '\uD83D\uDE00' }],
    ['large but finite numbers', { big: 1.7976931348623157e308, small: -5e-324 }],
    ['keys such as __proto__ and constructor', JSON.parse('{"__proto__":1,"constructor":2}')],
  ])('accepts %s', (_, payload) => {
    expect(payloadProblem(payload)).toBeUndefined();
  });

  it.each([
    ['null', null, 'must be a JSON object'],
    ['an array', [{ a: 1 }], 'must be a JSON object'],
    ['a string', 'text', 'must be a JSON object'],
    ['a number', 42, 'must be a JSON object'],
    ['undefined', undefined, 'must be a JSON object'],
    [
      '64 KiB + 1 byte',
      ofBytes(64 * 1024 + 1),
      'must be at most 65536 bytes once serialized (got 65537)',
    ],
    [
      '64 KiB + 1 byte counted in UTF-8, not in characters',
      { a: `${'é'.repeat(32764)}x` },
      'must be at most 65536 bytes once serialized (got 65537)',
    ],
    ['33 levels', nested(33), 'must be at most 32 levels deep'],
    ['33 levels through arrays', inArrays(33), 'must be at most 32 levels deep'],
    ['NUL in a value', { note: 'a\u0000b' }, 'at note contains a NUL character'],
    [
      'NUL deep inside',
      { order: { lines: [{ sku: 'ok' }, { sku: '\u0000' }] } },
      'at order.lines[1].sku contains a NUL character',
    ],
    ['NUL in an array item', { tags: ['a', 'b\u0000'] }, 'at tags[1] contains a NUL character'],
    ['NUL under the empty key', { '': '\u0000' }, 'contains a NUL character'],
    ['NUL in a key', { 'a\u0000': 1 }, 'has a key that contains a NUL character'],
    [
      'a lone surrogate in a nested key',
      { a: { '\uD800': 1 } },
      'has a key that contains an unpaired UTF-16 surrogate',
    ],
    [
      'a lone surrogate in a value',
      { name: 'x\uDFFF' },
      'at name contains an unpaired UTF-16 surrogate',
    ],
    ['a number out of range', { amount: Infinity }, 'at amount holds a number out of range'],
    ['NaN, deep inside', { a: { b: [NaN] } }, 'at a.b[0] holds a number out of range'],
  ])('refuses %s', (_, payload, problem) => {
    expect(payloadProblem(payload)).toBe(problem);
  });

  it('reports the first problem it meets, in document order', () => {
    expect(payloadProblem({ a: 'ok', b: '\u0000', c: '\uD800' })).toBe(
      'at b contains a NUL character',
    );
    expect(payloadProblem({ ...nested(33), z: '\u0000' })).toBe('must be at most 32 levels deep');
  });
});

class TextSample {
  @IsStorableText()
  value: unknown;
}

class LengthSample {
  @IsCodePointLength(1, 64)
  value: unknown;
}

class PayloadSample {
  @IsStorablePayload()
  payload: unknown;
}

/** The messages class-validator reports for one instance. */
const messages = (instance: object): string[] =>
  validateSync(instance).flatMap((error) => Object.values(error.constraints ?? {}));

const sample = <T extends object>(type: new () => T, values: Partial<T>): T =>
  Object.assign(new type(), values);

describe('the validation decorators', () => {
  it.each([
    ['text', 'api', []],
    ['NUL', 'a\u0000', ['value contains a NUL character']],
    ['a lone surrogate', '\uD800', ['value contains an unpaired UTF-16 surrogate']],
    ['a value that is not a string (its type is checked elsewhere)', 5, []],
  ])('IsStorableText: %s', (_, value, expected) => {
    expect(messages(sample(TextSample, { value }))).toEqual(expected);
  });

  it.each([
    ['1 character', 'a', []],
    ['64 characters', 'a'.repeat(64), []],
    ['64 emoji (128 UTF-16 code units)', '\uD83D\uDE00'.repeat(64), []],
    ['65 characters', 'a'.repeat(65), ['value must be shorter than or equal to 64 characters']],
    ["32 x 'a\\uFE0F' (64 code points)", 'a\uFE0F'.repeat(32), []],
    [
      "32 x 'a\\uFE0F' and an 'a' (65 code points)",
      `${'a\uFE0F'.repeat(32)}a`,
      ['value must be shorter than or equal to 64 characters'],
    ],
    ['0 characters', '', ['value must be longer than or equal to 1 characters']],
    ['a value that is not a string (its type is checked elsewhere)', 5, []],
  ])('IsCodePointLength(1, 64): %s', (_, value, expected) => {
    expect(messages(sample(LengthSample, { value }))).toEqual(expected);
  });

  it.each([
    ['an object', { a: 1 }, []],
    ['an array', [], ['payload must be a JSON object']],
    ['33 levels', nested(33), ['payload must be at most 32 levels deep']],
    ['NUL', { a: '\u0000' }, ['payload at a contains a NUL character']],
  ])('IsStorablePayload: %s', (_, payload, expected) => {
    expect(messages(sample(PayloadSample, { payload }))).toEqual(expected);
  });
});
