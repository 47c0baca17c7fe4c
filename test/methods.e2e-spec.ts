import request from 'supertest';
import { useTestApp } from './app';
import { aRecordBody, MISSING_ID, problem } from './builders';

describe('Methods (e2e)', () => {
  const t = useTestApp();

  describe('a known path with a method it does not serve', () => {
    it.each([
      ['DELETE', '/records', 'GET, HEAD, POST'],
      ['PUT', `/records/${MISSING_ID}`, 'GET, HEAD'],
      ['PATCH', `/records/${MISSING_ID}/events`, 'GET, HEAD'],
      ['GET', `/records/${MISSING_ID}/process`, 'POST'],
      ['HEAD', `/records/${MISSING_ID}/retry`, 'POST'],
      ['POST', '/reports/summary', 'GET, HEAD'],
      ['DELETE', '/health/live', 'GET, HEAD'],
    ])('%s %s is 405 MethodNotAllowed with Allow: %s', async (method, path, allow) => {
      const response = await request(t.http)[method.toLowerCase() as 'get'](path).expect(405);
      expect(response.headers.allow).toBe(allow);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      if (method !== 'HEAD') {
        expect(response.body).toEqual(
          problem(
            405,
            'MethodNotAllowed',
            `${method} is not allowed on ${path}; allowed: ${allow}`,
            path,
            'method-not-allowed',
          ),
        );
      }
    });

    it('changes nothing', async () => {
      await request(t.http).post('/records').send(aRecordBody()).expect(201);
      await request(t.http).delete('/records').expect(405);
      expect(await t.db.query('SELECT count(*)::int AS n FROM records')).toEqual([{ n: 1 }]);
    });
  });

  it('answers an unknown path 404 NotFound, whatever the method', async () => {
    for (const method of ['get', 'delete', 'post'] as const) {
      const response = await request(t.http)[method]('/nowhere/at-all').expect(404);
      expect(response.headers.allow).toBeUndefined();
      expect(response.body).toEqual(
        problem(
          404,
          'NotFound',
          `Cannot ${method.toUpperCase()} /nowhere/at-all`,
          '/nowhere/at-all',
          'route-not-found',
        ),
      );
    }
  });

  describe('HEAD wherever GET', () => {
    it('answers the status and headers of GET, without a body', async () => {
      const created = await request(t.http).post('/records').send(aRecordBody()).expect(201);
      for (const path of ['/records', `/records/${created.body.id}`, '/reports/summary']) {
        const get = await request(t.http).get(path).expect(200);
        const head = await request(t.http).head(path).expect(200);
        expect(head.headers['content-type']).toBe(get.headers['content-type']);
        expect(head.headers['content-length']).toBe(get.headers['content-length']);
        expect(head.headers['x-request-id']).toBeDefined();
        expect(head.text).toBeUndefined();
      }
      for (const path of ['/health', '/health/live', '/version', '/metrics', '/docs-json']) {
        await request(t.http).head(path).expect(200);
      }
    });

    it('answers 404 where GET does', async () => {
      const head = await request(t.http).head(`/records/${MISSING_ID}`).expect(404);
      expect(head.headers['content-type']).toMatch(/^application\/problem\+json/);
    });
  });
});
