import { Browser, Page } from 'playwright-core';
import { resetDatabase, startTestApp, TestApp } from '../app';
import { launchBrowser, listen } from './browser';

/** Every route of the contract; others may be listed too. */
const ROUTES = [
  'GET /health',
  'GET /health/live',
  'POST /records',
  'GET /records',
  'GET /records/{id}',
  'GET /records/{id}/events',
  'POST /records/{id}/process',
  'POST /records/{id}/retry',
  'POST /records/retry',
  'GET /reports/summary',
];

describe('API docs in a real browser', () => {
  let t: TestApp;
  let baseUrl: string;
  let browser: Browser;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    t = await startTestApp();
    baseUrl = await listen(t);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.app.close();
  });
  beforeEach(async () => {
    await resetDatabase(t.db);
    page = await browser.newPage();
    pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const response = await page.goto(`${baseUrl}/docs`);
    expect(response?.status()).toBe(200);
    await page.locator('.opblock').first().waitFor();
  });
  afterEach(async () => {
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  /** The operation block for one route, found by its method and path template. */
  const operation = (method: string, path: string) =>
    page
      .locator(`.opblock.opblock-${method.toLowerCase()}`)
      .filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });

  it('lists every route of the contract', async () => {
    const listed = await page
      .locator('.opblock')
      .evaluateAll((blocks) =>
        blocks.map(
          (block) =>
            `${block.querySelector('.opblock-summary-method')?.textContent ?? ''} ${
              block.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? ''
            }`,
        ),
      );

    expect(listed).toEqual(expect.arrayContaining(ROUTES));
    await expect(page.title()).resolves.toMatch(/Swagger UI|Workflow Service/);
    await expect(page.locator('.info .title').textContent()).resolves.toContain('Workflow Service');
  });

  it('creates a record with "Try it out" on POST /records and shows the 201', async () => {
    const create = operation('POST', '/records');
    await create.locator('.opblock-summary').click();
    await create.locator('button.try-out__btn').click();
    const body = create.locator('textarea.body-param__text');
    await expect(body.inputValue().then((text) => JSON.parse(text))).resolves.toEqual({
      source: 'api',
      category: 'order',
      payload: { order_id: '12345', amount: 99.99 },
    });

    await create.locator('button.execute').click();

    const status = create.locator('.live-responses-table .response .response-col_status');
    await status.first().waitFor();
    await expect(status.first().textContent()).resolves.toMatch(/^\s*201\b/);
    const shown = await create
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .textContent();
    const record = JSON.parse(shown ?? 'null');
    expect(record).toMatchObject({
      status: 'pending',
      source: 'api',
      category: 'order',
      payload: { order_id: '12345', amount: 99.99 },
      attempts: 0,
    });

    const rows = await t.db.query('SELECT status, source, category FROM records WHERE id = $1', [
      record.id,
    ]);
    expect(rows).toEqual([{ status: 'pending', source: 'api', category: 'order' }]);
  });
});
