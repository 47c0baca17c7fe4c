import request from 'supertest';
import { useTestApp } from './app';
import { aRecordBody, MISSING_ID, problem } from './builders';

describe('Rate limiting (e2e)', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '3' });

  it('answers 429 TooManyRequests with Retry-After past the limit', async () => {
    for (let i = 0; i < 3; i++) {
      const ok = await request(t.http).get(`/records/${MISSING_ID}`).expect(404);
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(2 - i));
    }
    const response = await request(t.http).get(`/records/${MISSING_ID}`).expect(429);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(response.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(response.body).toEqual(
      problem(
        429,
        'TooManyRequests',
        `Rate limit of 3 requests per minute exceeded; retry in ${retryAfter} s`,
        `/records/${MISSING_ID}`,
        'rate-limited',
      ),
    );
    await request(t.http).post('/records').send(aRecordBody()).expect(429);
  });

  it('never limits health, metrics and version', async () => {
    for (let i = 0; i < 5; i++) {
      await request(t.http).get('/health/live').expect(200);
      await request(t.http).get('/health').expect(200);
      await request(t.http).get('/metrics').expect(200);
      await request(t.http).get('/version').expect(200);
    }
  });
});
