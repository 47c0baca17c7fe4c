import request from 'supertest';
import { requestFingerprint } from '../src/idempotency/idempotency-key';
import { useTestApp } from './app';
import { aRecordBody, problem } from './builders';

/** `{"a":{"a":...{}}}`: `levels` objects, one inside the other. */
const nested = (levels: number, innermost = '{}'): string =>
  '{"a":'.repeat(levels - 1) + innermost + '}'.repeat(levels - 1);

/** A POST /records body whose payload is the given JSON text, sent as is. */
const withPayload = (payloadJson: string): string =>
  `{"source":"api","category":"order","payload":${payloadJson}}`;

describe('Request bodies (e2e)', () => {
  const t = useTestApp();

  /** Sends `body` byte for byte (a Buffer is not serialized as JSON). */
  const post = (path: string, body: string | Buffer, contentType = 'application/json') =>
    request(t.http)
      .post(path)
      .set('Content-Type', contentType)
      .serialize(() => body as string)
      .send(body);

  const recordCount = async () =>
    Number((await t.db.query('SELECT count(*)::int AS n FROM records'))[0].n);

  describe('depth', () => {
    it.each([
      ['payload', withPayload(nested(2000))],
      ['an unknown field', `{"source":"api","category":"order","payload":{},"x":${nested(2000)}}`],
      [
        'the source',
        `{"source":${'['.repeat(5000)}${']'.repeat(5000)},"category":"o","payload":{}}`,
      ],
      ['a bare array', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ])(
      'refuses deep nesting in %s with 400 ValidationError before anything walks it',
      async (_, body) => {
        const response = await post('/records', body).expect(400);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.body).toMatchObject({ error: 'ValidationError', status: 400 });
        expect(response.body.details).toHaveLength(1);
        expect(response.body.details[0].message).toMatch(/levels deep/);
        expect(await recordCount()).toBe(0);
      },
    );

    it('refuses it on every POST route, with an Idempotency-Key too', async () => {
      const deep = `{"category":${nested(3000)}}`;
      for (const path of [
        '/records/00000000-0000-4000-8000-000000000000/process',
        '/records/00000000-0000-4000-8000-000000000000/retry',
      ]) {
        const response = await post(path, deep).set('Idempotency-Key', 'deep').expect(400);
        expect(response.body).toEqual({
          ...problem(
            400,
            'ValidationError',
            'category must be at most 32 levels deep',
            path,
            'validation-error',
          ),
          details: [{ field: 'category', message: 'category must be at most 32 levels deep' }],
        });
      }
    });

    it('names the payload as the contract does for a payload one level too deep', async () => {
      const response = await post('/records', withPayload(nested(33))).expect(400);
      expect(response.body.details).toEqual([
        { field: 'payload', message: 'payload must be at most 32 levels deep' },
      ]);
    });

    it('accepts a payload exactly 32 levels deep, arrays counted as levels', async () => {
      const payload = `{"list":${nested(30, '[[1]]')}}`;
      const response = await post('/records', withPayload(payload)).expect(201);
      expect(JSON.stringify(response.body.payload)).toBe(payload);
    });
  });

  describe('numbers', () => {
    it.each([
      ['12345678901234567890', 'payload.amount'],
      ['9007199254740993', 'payload.amount'],
      ['1e-400', 'payload.amount'],
      ['1e400', 'payload.amount'],
      ['-1.00000000000000000001', 'payload.amount'],
    ])('refuses %s, which JSON.parse would change, naming %s', async (number, field) => {
      const response = await post('/records', withPayload(`{"amount":${number}}`)).expect(400);
      const message = `${field} is a number that cannot be kept exactly; send it as a string`;
      expect(response.body).toEqual({
        ...problem(400, 'ValidationError', message, '/records', 'validation-error'),
        details: [{ field, message }],
      });
      expect(await recordCount()).toBe(0);
    });

    it('names the place of a number inside arrays and odd keys', async () => {
      const response = await post(
        '/records',
        withPayload('{"items":[{"n":1},{"n":2.5e-400}],"a b":1}'),
      ).expect(400);
      expect(response.body.details).toEqual([
        {
          field: 'payload.items[1].n',
          message:
            'payload.items[1].n is a number that cannot be kept exactly; send it as a string',
        },
      ]);
    });

    it('returns every number it accepts exactly as sent', async () => {
      const numbers = [
        '0',
        '-0.5',
        '99.99',
        '9007199254740991',
        '-9007199254740991',
        '1e20',
        '1.5e-7',
        '1e-20',
        '-9.99e20',
        '0.1',
        '123456789.123',
      ];
      const response = await post('/records', withPayload(`{"n":[${numbers.join(',')}]}`)).expect(
        201,
      );
      expect(response.body.payload.n.map(String)).toEqual(numbers.map((n) => String(Number(n))));
      const stored = await request(t.http).get(`/records/${response.body.id}`).expect(200);
      expect(stored.body.payload).toEqual(response.body.payload);
    });

    it('gives two bodies that differ only in a number two fingerprints', async () => {
      expect(requestFingerprint('POST', '/records', { n: 9007199254740992 })).not.toBe(
        requestFingerprint('POST', '/records', { n: 9007199254740991 }),
      );
      await post('/records', withPayload('{"n":9007199254740992}'))
        .set('Idempotency-Key', 'numbers')
        .expect(201);
      await post('/records', withPayload('{"n":9007199254740993}'))
        .set('Idempotency-Key', 'numbers')
        .expect(400);
      expect(await recordCount()).toBe(1);
    });
  });

  describe('encoding', () => {
    it.each([
      ['a lone continuation byte', [0x80]],
      ['a truncated sequence', [0xe2, 0x82]],
      ['an overlong encoding', [0xc0, 0xaf]],
      ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ])('refuses %s in a string with 400 (nothing stored as U+FFFD)', async (_, bytes) => {
      const body = Buffer.concat([
        Buffer.from(withPayload('{"note":"a')),
        Buffer.from(bytes),
        Buffer.from('b"}'),
      ]);
      const response = await post('/records', body).expect(400);
      expect(response.body).toEqual(
        problem(
          400,
          'BadRequest',
          'Request body is not valid UTF-8',
          '/records',
          'malformed-request',
        ),
      );
      expect(await recordCount()).toBe(0);
    });

    it('keeps valid UTF-8 as sent, charset parameter or not', async () => {
      const payload = { note: 'é ✓ 😀 \u2028' };
      for (const contentType of ['application/json', 'application/json; charset=UTF-8']) {
        const response = await post(
          '/records',
          Buffer.from(JSON.stringify(aRecordBody({ payload }))),
          contentType,
        ).expect(201);
        expect(response.body.payload).toEqual(payload);
      }
    });

    it('refuses a body declared in another charset with 415', async () => {
      const response = await post(
        '/records',
        JSON.stringify(aRecordBody()),
        'application/json; charset=latin1',
      ).expect(415);
      expect(response.body).toEqual(
        problem(
          415,
          'UnsupportedMediaType',
          'Content-Type charset must be utf-8',
          '/records',
          'unsupported-media-type',
        ),
      );
    });
  });

  describe('malformed JSON', () => {
    it.each([
      ['a truncated body', '{"source": '],
      ['a secret in a bad token', '{"source": "api", "token": sk_live_secret123}'],
      ['trailing garbage', '{"source":"api"} x'],
      ['a single quote string', "{'source':'api'}"],
      ['a raw control character', '{"source":"a\u0001"}'],
      ['a bad escape', '{"source":"\\x41"}'],
      ['a leading zero', '{"n":01}'],
      ['a trailing comma', '{"n":1,}'],
      ['whitespace only', '   '],
    ])('answers %s with the fixed message, never the parser’s', async (_, body) => {
      const response = await post('/records', body).expect(400);
      expect(response.body).toEqual(
        problem(
          400,
          'BadRequest',
          'Request body is not valid JSON',
          '/records',
          'malformed-request',
        ),
      );
      expect(response.text).not.toContain('sk_live');
      expect(response.text).not.toContain('position');
    });
  });
});

describe('Request bodies with API keys (e2e)', () => {
  const t = useTestApp({ API_KEYS: 'key-a-0123456789abcdef' });

  const unauthenticated = (body: string | Buffer, contentType: string) =>
    request(t.http)
      .post('/records')
      .set('Content-Type', contentType)
      .serialize(() => body as string)
      .send(body);

  it.each([
    ['malformed JSON', '{"source": ', 'application/json'],
    ['deep JSON', nested(5000), 'application/json'],
    [
      'a body over 1 MiB',
      JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) }),
      'application/json',
    ],
    ['a body that is not JSON', 'source=api', 'text/plain'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 'application/json'],
  ])(
    'answers an unauthenticated POST with %s 401, before reading its body',
    async (_, body, contentType) => {
      const response = await unauthenticated(body, contentType).expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.body).toEqual(
        problem(
          401,
          'Unauthorized',
          'An API key is required: send X-API-Key or Authorization: Bearer',
          '/records',
          'unauthorized',
        ),
      );
    },
  );

  it('reads the body of an authenticated POST as usual', async () => {
    await unauthenticated('{"source": ', 'application/json')
      .set('X-API-Key', 'key-a-0123456789abcdef')
      .expect(400);
  });
});
