import request from 'supertest';
import { useTestApp } from './app';

describe('Operations console: GET /console (e2e)', () => {
  const t = useTestApp();

  it('serves the page with a strict Content-Security-Policy: nothing inline, nothing from elsewhere', async () => {
    const response = await request(t.http).get('/console').expect(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = response.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(response.headers['x-content-type-options']).toBe('nosniff');

    const page = response.text;
    expect(page).toContain('<title>Workflow Service console</title>');
    expect(page).toContain('<script type="module" src="/console/console.js"></script>');
    expect(page).toContain('<link rel="stylesheet" href="/console/console.css" />');
    // No inline script or style, no style attribute, nothing fetched from another origin.
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/<style\b/);
    expect(page).not.toMatch(/\sstyle=/);
    expect(page).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(page).toContain('<meta name="api-keys" content="none" />');
  });

  it.each([
    ['/console/console.js', 'text/javascript; charset=utf-8', 'refreshOverview'],
    ['/console/console.css', 'text/css; charset=utf-8', '.badge.failed'],
  ])('serves %s as %s', async (path, type, excerpt) => {
    const response = await request(t.http).get(path).expect(200);
    expect(response.headers['content-type']).toBe(type);
    expect(response.text).toContain(excerpt);
    // Nothing from elsewhere; the SVG namespace is a name, never fetched.
    const text = response.text.replaceAll("'http://www.w3.org/2000/svg'", '');
    expect(text).not.toMatch(/https?:\/\//);
  });

  it('answers 404 for an asset it does not have, and is not in the API document', async () => {
    await request(t.http).get('/console/other.js').expect(404);
    const document = await request(t.http).get('/docs-json').expect(200);
    expect(Object.keys(document.body.paths).filter((path) => path.startsWith('/console'))).toEqual(
      [],
    );
  });
});

describe('Operations console with API keys (e2e)', () => {
  const t = useTestApp({ API_KEYS: 'console-key-0123456789' });

  it('tells the page that actions need a key, and never which', async () => {
    const response = await request(t.http).get('/console').expect(200);
    expect(response.text).toContain('<meta name="api-keys" content="required" />');
    expect(response.text).not.toContain('console-key-0123456789');
  });
});
