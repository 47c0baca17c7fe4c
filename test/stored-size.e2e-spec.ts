import request from 'supertest';
import { MAX_PAYLOAD_BYTES, MAX_STORED_PAYLOAD_BYTES } from '../src/common/storable-json';
import { useTestApp } from './app';
import { problem } from './builders';

/**
 * The payload limit holds on what is stored and read back, not only on what was sent:
 * PostgreSQL keeps jsonb numbers as numeric and prints them in full (1e308 as 309 digits),
 * and every read of a record sends that text.
 */
describe('Stored payload size (e2e)', () => {
  const t = useTestApp();

  const post = (payloadJson: string) =>
    request(t.http)
      .post('/records')
      .set('Content-Type', 'application/json')
      .send(`{"source":"api","category":"order","payload":${payloadJson}}`);

  /** Bytes of each stored payload's text, as PostgreSQL sends it on every read. */
  const storedSizes = async () =>
    (
      await t.db.query<{ bytes: number }[]>(
        'SELECT octet_length(payload::text) AS bytes FROM records ORDER BY id',
      )
    ).map((row) => row.bytes);

  const numbers = (literal: string, count: number) =>
    `{"n":[${Array.from({ length: count }, () => literal).join(',')}]}`;

  it.each(['1e308', '-1e21', '1e-21', '5e-324'])(
    'refuses %s, whose decimal expansion is long, naming the field',
    async (literal) => {
      const response = await post(`{"amount":${literal}}`).expect(400);
      const message =
        'payload.amount is a number out of range (0, or a magnitude from 1e-20 up to 1e21); send it as a string';
      expect(response.body).toEqual({
        ...problem(400, 'ValidationError', message, '/records', 'validation-error'),
        details: [{ field: 'payload.amount', message }],
      });
      expect(await storedSizes()).toEqual([]);
    },
  );

  it('refuses a payload within the limit as sent that would be over the stored limit', async () => {
    // 10,000 x 1e-20: about 60 KB as sent, about 240 KB printed in full.
    const payload = numbers('1e-20', 10_000);
    expect(payload.length).toBeLessThan(MAX_PAYLOAD_BYTES);
    const response = await post(payload).expect(400);
    const message = `payload must be at most ${MAX_STORED_PAYLOAD_BYTES} bytes as stored (numbers printed in full); send long numbers as strings`;
    expect(response.body).toEqual({
      ...problem(400, 'ValidationError', message, '/records', 'validation-error'),
      details: [{ field: 'payload', message }],
    });
    expect(await storedSizes()).toEqual([]);
  });

  it('stores the largest payload it accepts, and every read of it stays within the bound', async () => {
    // The most expansion a number in range has (5 bytes sent, 22 stored), as many as fit.
    const created = await post(numbers('1e-20', 5_400)).expect(201);
    const [bytes] = await storedSizes();
    expect(bytes).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    expect(bytes).toBeLessThanOrEqual(MAX_STORED_PAYLOAD_BYTES);
    const read = await request(t.http).get(`/records/${created.body.id}`).expect(200);
    expect(read.body.payload.n).toHaveLength(5_400);
    expect(Buffer.byteLength(read.text)).toBeLessThanOrEqual(MAX_STORED_PAYLOAD_BYTES);
    const page = await request(t.http).get('/records').expect(200);
    expect(Buffer.byteLength(page.text)).toBeLessThanOrEqual(MAX_STORED_PAYLOAD_BYTES + 1024);
  });
});
