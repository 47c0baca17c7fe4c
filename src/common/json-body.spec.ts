import { isUtf8ContentType, MAX_BODY_DEPTH, parseJsonBody } from './json-body';
import { MalformedBodyError, RequestValidationError } from './problem';

const failure = (raw: Buffer | string): Error => {
  try {
    parseJsonBody(raw);
  } catch (error) {
    return error as Error;
  }
  throw new Error('parsed');
};

const details = (raw: Buffer | string) => {
  const error = failure(raw);
  if (!(error instanceof RequestValidationError)) throw error;
  return error.details;
};

const nested = (levels: number, open = '[', close = ']') =>
  open.repeat(levels) + close.repeat(levels);

describe('parseJsonBody', () => {
  it.each([
    '{}',
    '[]',
    '{"source":"api","category":"order","payload":{"order_id":"12345","amount":99.99}}',
    ' \t\r\n{ "a" : [ 1 , -2.5e3 , true , false , null , "x" ] } \n',
    '"a string"',
    '42',
    'null',
    '{"esc":"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00 \\ud800"}',
    '{"unicode":"é ✓ 😀 \u2028"}',
    '{"a":1,"a":2}',
    '{"n":[0,-0,1E2,1e+2,1.50,0.1,5e-20,1.7976931348623157e20,9007199254740991]}',
  ])('reads %s as JSON.parse does', (text) => {
    expect(parseJsonBody(text)).toEqual(JSON.parse(text));
    expect(parseJsonBody(Buffer.from(text))).toEqual(JSON.parse(text));
  });

  it('keeps __proto__ as an own key and never sets a prototype', () => {
    const parsed = parseJsonBody('{"__proto__":{"polluted":true},"constructor":1}') as object;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__', 'constructor']);
    expect(JSON.stringify(parsed)).toBe('{"__proto__":{"polluted":true},"constructor":1}');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('reads an empty body as {} and skips a UTF-8 BOM', () => {
    expect(parseJsonBody(Buffer.alloc(0))).toEqual({});
    expect(parseJsonBody(Buffer.from('\ufeff{"a":1}'))).toEqual({ a: 1 });
  });

  it.each([
    '{"a":',
    '{"a":1,}',
    '[1,]',
    '{a:1}',
    "{'a':1}",
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":-}',
    '{"a":1e}',
    '{"a":+1}',
    '{"a":NaN}',
    '{"a":Infinity}',
    '{"a":tru}',
    '{"a":nul}',
    '{"a":"\u0001"}',
    '{"a":"\\x41"}',
    '{"a":"\\u00g0"}',
    '{"a":"open',
    '{"a":1} x',
    '{"a":1}{}',
    '  ',
    '\ufeff',
    '{"a" 1}',
    '[1 2]',
  ])('refuses %j with a fixed message that echoes nothing', (text) => {
    const error = failure(text);
    expect(error).toBeInstanceOf(MalformedBodyError);
    expect(error.message).toBe('Request body is not valid JSON');
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a byte that is never UTF-8', [0xff]],
  ])('refuses %s as not UTF-8', (_, bytes) => {
    const error = failure(
      Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bytes), Buffer.from('"}')]),
    );
    expect(error).toBeInstanceOf(MalformedBodyError);
    expect(error.message).toBe('Request body is not valid UTF-8');
  });

  describe('depth', () => {
    it(`reads a body ${MAX_BODY_DEPTH} levels deep`, () => {
      expect(parseJsonBody(nested(MAX_BODY_DEPTH))).toEqual(JSON.parse(nested(MAX_BODY_DEPTH)));
    });

    it.each([
      [nested(MAX_BODY_DEPTH + 1), 'body', 'request body must be at most 33 levels deep'],
      [nested(1_000_000), 'body', 'request body must be at most 33 levels deep'],
      [
        `{"payload":${nested(33, '{"a":', '}').replace('{"a":}', '{}')}}`,
        'payload',
        'payload must be at most 32 levels deep',
      ],
      [`{"x":1,"source":${nested(40)}}`, 'source', 'source must be at most 32 levels deep'],
    ])('refuses %#: %s', (text, field, message) => {
      expect(details(text)).toEqual([{ field, message }]);
    });

    it('refuses a deep body before reading the rest of it', () => {
      // Unclosed: the depth is what is reported, not the missing brackets.
      expect(details('['.repeat(10_000))).toEqual([
        { field: 'body', message: 'request body must be at most 33 levels deep' },
      ]);
    });
  });

  describe('numbers', () => {
    it.each([
      ['{"payload":{"amount":12345678901234567890}}', 'payload.amount'],
      ['{"payload":{"amount":9007199254740993}}', 'payload.amount'],
      ['{"payload":{"amount":1e-400}}', 'payload.amount'],
      ['{"payload":{"amount":1e400}}', 'payload.amount'],
      ['{"payload":{"amount":-1e400}}', 'payload.amount'],
      ['{"payload":{"amount":0.10000000000000000001}}', 'payload.amount'],
      ['{"payload":{"items":[1,{"n":[0,123456789012345678]}]}}', 'payload.items[1].n[1]'],
      ['[1, 2e-400]', '[1]'],
      ['1e999', 'body'],
    ])('refuses a number JSON.parse would change in %s, naming %s', (text, field) => {
      expect(details(text)).toEqual([
        { field, message: `${field} is a number that cannot be kept exactly; send it as a string` },
      ]);
    });

    it.each([
      '0',
      '-0',
      '0.0',
      '0e-400',
      '100',
      '1e2',
      '1.5E+2',
      '150.000',
      '99.99',
      '123456789012345',
      '1234567890.12345',
      '9007199254740992',
      '9007199254740991',
      '-9007199254740991',
      '12345678901234567000',
      '1e20',
      '-9.99e20',
      '1.5e-7',
      '1e-20',
      '-1.2345678901234567e-20',
      '0.30000000000000004',
    ])('keeps %s, which JSON.parse keeps', (literal) => {
      expect(parseJsonBody(literal)).toBe(JSON.parse(literal));
    });

    it.each([
      ['1e21', 'body'],
      ['[-1e21]', '[0]'],
      ['{"payload":{"amount":1e308}}', 'payload.amount'],
      ['{"payload":{"amount":1.7976931348623157e308}}', 'payload.amount'],
      ['{"payload":{"amount":9.9e-21}}', 'payload.amount'],
      ['{"payload":{"amount":-5e-324}}', 'payload.amount'],
      ['{"payload":{"amount":2.2250738585072014e-308}}', 'payload.amount'],
      ['{"limit":100000000000000000000000}', 'limit'],
    ])('refuses %s, whose decimal expansion is long, naming %s', (text, field) => {
      expect(details(text)).toEqual([
        {
          field,
          message: `${field} is a number out of range (0, or a magnitude from 1e-20 up to 1e21); send it as a string`,
        },
      ]);
    });
  });
});

describe('isUtf8ContentType', () => {
  it.each([
    [undefined, true],
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/json;charset=UTF-8', true],
    ['application/json; charset="utf-8"', true],
    ['application/json; charset=utf8', true],
    ['application/json; charset=latin1', false],
    ['application/json; charset=utf-16', false],
    ['application/json; charset=iso-8859-1', false],
  ])('%s: %s', (header, expected) => {
    expect(isUtf8ContentType(header)).toBe(expected);
  });

  describe('a batch body (payloads in items)', () => {
    const deep = (levels: number): string => (levels === 0 ? '1' : `{"a":${deep(levels - 1)}}`);
    const batchOf = (payload: string) => `{"records":[{"payload":{}},{"payload":${payload}}]}`;

    it('reads payloads 32 levels deep inside the items', () => {
      expect(parseJsonBody(batchOf(deep(32)), 'items')).toEqual(JSON.parse(batchOf(deep(32))));
    });

    it('names the item whose payload is too deep', () => {
      expect(() => parseJsonBody(batchOf(deep(33)), 'items')).toThrow(
        expect.objectContaining({
          details: [
            {
              field: 'records[1].payload',
              message: 'records[1].payload must be at most 32 levels deep',
            },
          ],
        }),
      );
    });
  });
});
