import request from 'supertest';
import { useTestApp } from './app';

describe('OpenAPI document (e2e)', () => {
  const t = useTestApp();

  it('describes a service without API keys: every route open, no 401', async () => {
    const { body } = await request(t.http).get('/docs-json').expect(200);
    expect(body.components.securitySchemes).toBeUndefined();
    for (const [path, item] of Object.entries<
      Record<string, { security?: unknown[]; responses: object }>
    >(body.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        expect({ path, method, security: operation.security }).toEqual({
          path,
          method,
          security: [],
        });
        expect(operation.responses).not.toHaveProperty('401');
        expect(operation.responses).not.toHaveProperty('429');
      }
    }
    expect(body.servers).toEqual([{ url: '/', description: 'This service' }]);
    expect(body.info.license.name).toBe('UNLICENSED');
  });

  it('lists every status each operation can answer, each error as a problem document', async () => {
    const { body } = await request(t.http).get('/docs-json').expect(200);
    const statuses = (path: string, method: string) =>
      Object.keys(body.paths[path][method].responses);
    const common = ['400', '413', '415', '500'];
    expect(statuses('/records', 'post')).toEqual(
      expect.arrayContaining(['201', ...common, '409', '422', '503']),
    );
    expect(statuses('/records/{id}/process', 'post')).toEqual(
      expect.arrayContaining(['200', ...common, '404', '409', '422', '503']),
    );
    expect(statuses('/records/{id}', 'get')).toEqual(
      expect.arrayContaining(['200', ...common, '404', '503']),
    );
    expect(statuses('/health', 'get')).toEqual(expect.arrayContaining(['200', ...common, '503']));
    expect(statuses('/health/live', 'get')).toEqual(expect.arrayContaining(['200', ...common]));
    for (const item of Object.values<Record<string, { responses: object }>>(body.paths)) {
      for (const operation of Object.values(item)) {
        for (const [status, response] of Object.entries<{
          content?: object;
          headers: Record<string, unknown>;
        }>(operation.responses as Record<string, never>)) {
          expect(response.headers['X-Request-ID']).toEqual({
            $ref: '#/components/headers/X-Request-ID',
          });
          if (Number(status) >= 400) {
            expect(response.content).toEqual({
              'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDoc' } },
            });
          }
        }
      }
    }
    expect(body.paths['/records'].post.responses['503'].headers['Retry-After']).toEqual({
      $ref: '#/components/headers/Retry-After',
    });
  });
});
