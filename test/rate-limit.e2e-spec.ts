import request from 'supertest';
import { useTestApp } from './app';
import { aRecordBody, MISSING_ID, problem } from './builders';

describe('Rate limiting (e2e)', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '3' });

  it('answers 429 TooManyRequests with Retry-After past the limit', async () => {
    // One of the 3 went to the test app's own start-up read of /docs-json (limited too).
    for (let i = 0; i < 2; i++) {
      const ok = await request(t.http).get(`/records/${MISSING_ID}`).expect(404);
      expect(ok.headers['x-ratelimit-remaining']).toBe(String(1 - i));
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

describe('Rate limiting beyond the API routes (e2e)', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '3' });

  it('limits the console, its assets, the docs, the problem pages and unknown paths, with X-RateLimit-* on every answer, 429 included', async () => {
    // The test app's start-up read of /docs-json spent one of the 3.
    const limited = ['/console', '/console/console.js'];
    for (const [i, path] of limited.entries()) {
      const response = await request(t.http).get(path).expect(200);
      expect(response.headers['x-ratelimit-limit']).toBe('3');
      expect(response.headers['x-ratelimit-remaining']).toBe(String(1 - i));
    }
    for (const path of [
      '/docs',
      '/docs-json',
      '/problems',
      '/problems/validation-error',
      '/console/console.css',
      '/no-such-path',
    ]) {
      const response = await request(t.http).get(path).expect(429);
      expect(response.body).toMatchObject({ type: '/problems/rate-limited', instance: path });
      expect(response.headers['x-ratelimit-limit']).toBe('3');
      expect(response.headers['x-ratelimit-remaining']).toBe('0');
      expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    }
    for (const path of ['/health', '/health/live', '/metrics', '/version', '/Health/']) {
      const response = await request(t.http).get(path).expect(200);
      expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});
