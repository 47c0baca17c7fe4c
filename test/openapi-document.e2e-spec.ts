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
});
