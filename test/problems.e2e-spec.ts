import request from 'supertest';
import { useTestApp } from './app';
import { MISSING_ID, problem } from './builders';

describe('Problem type pages (e2e)', () => {
  const t = useTestApp();

  it('serves the page a problem document names as its type', async () => {
    const error = await request(t.http).post(`/records/${MISSING_ID}/process`).expect(404);
    expect(error.body.type).toBe('/problems/record-not-found');

    const page = await request(t.http).get(error.body.type).expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<h1>Record not found</h1>');
    expect(page.text).toContain('<h2>What it means</h2>');
    expect(page.text).toContain('<h2>What to do</h2>');
    expect(page.text).toContain('<code>GET /records</code>');
    // The service's CSP holds: no script at all, no inline style.
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.text).not.toMatch(/<script|<style|style=/i);
  });

  it('has a page for every type the OpenAPI document lists, and an index linking them', async () => {
    const { body } = await request(t.http).get('/docs-json').expect(200);
    const types: string[] = body.components.schemas.ProblemDoc.properties.type.enum;
    expect(types).toContain('/problems/method-not-allowed');
    const index = await request(t.http).get('/problems').expect(200);
    for (const type of types) {
      const page = await request(t.http).get(type).expect(200);
      expect(page.text).toMatch(/<h1>[^<]+<\/h1>/);
      expect(index.text).toContain(`<a href="${type}">`);
    }
  });

  it('answers 404 for a type that does not exist', async () => {
    for (const name of ['no-such-problem', '__proto__', 'constructor']) {
      const response = await request(t.http).get(`/problems/${name}`).expect(404);
      expect(response.body).toEqual(
        problem(404, 'NotFound', 'No such problem type', `/problems/${name}`, 'route-not-found'),
      );
    }
  });
});
