import request from 'supertest';
import { useTestApp } from './app';
import { aRecordBody, MISSING_ID } from './builders';

describe('Security headers and defaults (e2e)', () => {
  const t = useTestApp();

  it('leaves writes open when API_KEYS is unset', async () => {
    await request(t.http).post('/records').send(aRecordBody()).expect(201);
  });

  it('sends helmet headers on API answers', async () => {
    const response = await request(t.http).get('/health/live').expect(200);
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringContaining('max-age='),
      'referrer-policy': 'no-referrer',
      'content-security-policy': expect.stringContaining("default-src 'self'"),
    });
    expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('serves the Swagger UI under a policy that allows what it loads', async () => {
    const page = await request(t.http).get('/docs').expect(200);
    expect(page.text).toContain('swagger-ui-bundle.js');
    const policy = page.headers['content-security-policy'];
    // Its scripts come from /docs (self); its <style> blocks are inline.
    expect(policy).toMatch(/script-src 'self'(;|$)/);
    expect(policy).toMatch(/style-src 'self' 'unsafe-inline'(;|$)/);
    expect(page.text).not.toMatch(/<script>[^<]/);
    await request(t.http).get('/docs/swagger-ui-init.js').expect(200);
  });

  it('does not rate limit by default', async () => {
    const responses = await Promise.all(
      Array.from({ length: 30 }, () => request(t.http).get(`/records/${MISSING_ID}`)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(30).fill(404));
    expect(responses[0].headers['x-ratelimit-limit']).toBeUndefined();
  });
});
