import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { resetDatabase, startTestApp, TestApp, TestConfig } from '../app';
import { RecordSeed, seedRecord } from '../builders';
import { WebhookReceiver } from '../webhook-receiver';
import { launchBrowser, listen, watchForProblems } from './browser';

const SCREENSHOT = join(__dirname, '..', '..', 'docs', 'console.png');
const REQUEST_ID = /^req_[A-Za-z0-9_-]{16,}$/;

/** One app on the test database, a browser, and a fresh page on /console for each test. */
function useConsole(config: TestConfig = {}) {
  const c = {} as {
    t: TestApp;
    baseUrl: string;
    browser: Browser;
    page: Page;
    problems: string[];
  };
  beforeAll(async () => {
    c.t = await startTestApp(config);
    c.baseUrl = await listen(c.t);
    c.browser = await launchBrowser();
  });
  afterAll(async () => {
    await c.browser?.close();
    await c.t?.app.close();
  });
  beforeEach(async () => {
    await resetDatabase(c.t.db);
    c.page = await c.browser.newPage({ viewport: { width: 1280, height: 900 } });
    c.problems = watchForProblems(c.page);
  });
  afterEach(async () => {
    await c.page.close();
    // No script error, no console error, no request blocked by the CSP, in any test.
    expect(c.problems).toEqual([]);
  });
  return c;
}

describe('Operations console in a real browser', () => {
  const c = useConsole();

  const open = async () => {
    const response = await c.page.goto(`${c.baseUrl}/console`);
    expect(response?.status()).toBe(200);
    await c.page.locator('#records-table tbody tr').first().waitFor();
  };
  const seed = (records: RecordSeed[]) =>
    Promise.all(records.map((record) => seedRecord(c.t, record)));
  const statusOf = async (id: string) =>
    (await c.t.db.query<{ status: string }[]>('SELECT status FROM records WHERE id = $1', [id]))[0]
      .status;
  const rowOf = (id: string) => c.page.locator(`#records-table tr[data-id="${id}"]`);
  const shownCount = (name: string) => c.page.locator(`[data-count="${name}"]`);
  const waitForCount = (name: string, value: number) =>
    c.page.locator(`[data-count="${name}"]`, { hasText: new RegExp(`^${value}$`) }).waitFor();
  /** Until the table shows exactly `n` records (it is replaced at once). */
  const waitForRows = async (n: number) => {
    const rows = c.page.locator('#records-table tbody tr[data-id]');
    await rows.nth(n).waitFor({ state: 'detached' });
    await rows.nth(n - 1).waitFor();
  };

  /** Seeds records created `hoursAgo` (their transition too), as history for the chart. */
  const seedActivity = async (
    history: { hoursAgo: number; status?: 'pending' | 'processed' | 'failed'; category?: string }[],
  ) => {
    const now = Date.now();
    for (const { hoursAgo, status, category } of history) {
      const at = new Date(now - hoursAgo * 3_600_000).toISOString();
      const record = await seedRecord(c.t, { created_at: at, status, category });
      await c.t.db.query(
        'UPDATE record_events SET at = $2 WHERE record_id = $1 AND from_status IS NOT NULL',
        [record.id, at],
      );
    }
  };
  /** What the chart drew, bucket by bucket, from its SVG. */
  const drawnPoints = () =>
    c.page.locator('#throughput-chart .bucket').evaluateAll((groups) =>
      groups.map((group) => {
        const data = (group as unknown as { dataset: Record<string, string> }).dataset;
        const bar = (series: string) =>
          Number(group.querySelector(`.bar[data-series="${series}"]`)!.getAttribute('height'));
        return {
          point: {
            start: data.start,
            created: Number(data.created),
            processed: Number(data.processed),
            failed: Number(data.failed),
            retried: Number(data.retried),
          },
          heights: { created: bar('created'), processed: bar('processed'), failed: bar('failed') },
          label: group.getAttribute('aria-label') ?? '',
        };
      }),
    );
  const timeseries = async (query: Record<string, string> = {}) =>
    (await request(c.t.http).get('/reports/timeseries').query(query).expect(200)).body as {
      points: {
        start: string;
        created: number;
        processed: number;
        failed: number;
        retried: number;
      }[];
    };

  it('shows the counts /reports/summary gives, and follows them while open', async () => {
    await seed([
      { category: 'order', status: 'failed' },
      { category: 'order', status: 'processed' },
      { category: 'refund', status: 'failed' },
      { category: 'refund' },
      { category: 'invoice' },
    ]);
    await open();
    const summary = (await request(c.t.http).get('/reports/summary').expect(200)).body;
    await waitForCount('total', summary.total_records);

    await expect(shownCount('total').textContent()).resolves.toBe(String(summary.total_records));
    for (const status of ['pending', 'processed', 'failed']) {
      await expect(shownCount(status).textContent()).resolves.toBe(
        String(summary.by_status[status]),
      );
    }
    const categories = await c.page
      .locator('#categories tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [row.children[0].textContent, Number(row.children[1].textContent)]),
      );
    expect(Object.fromEntries(categories)).toEqual(summary.by_category);

    // Refreshed while the page is open: a new record shows up without reloading.
    await request(c.t.http)
      .post('/records')
      .send({ source: 'api', category: 'order', payload: {} })
      .expect(201);
    await waitForCount('total', summary.total_records + 1);

    // A date range is passed on to the summary.
    await c.page.fill('#overview-form [name="date_from"]', '2000-01-01');
    await c.page.fill('#overview-form [name="date_to"]', '2000-01-02');
    await c.page.click('#overview-form button[type="submit"]');
    await waitForCount('total', 0);
  });

  it('filters, sorts and pages the records table', async () => {
    const [failedOrder, , failedRefund] = await seed([
      { category: 'order', source: 'shop', status: 'failed', created_at: '2026-01-01T00:00:00Z' },
      {
        category: 'order',
        source: 'shop',
        status: 'processed',
        created_at: '2026-01-02T00:00:00Z',
      },
      { category: 'refund', source: 'api', status: 'failed', created_at: '2026-01-03T00:00:00Z' },
      { category: 'refund', source: 'api', created_at: '2026-01-04T00:00:00Z' },
    ]);
    await open();
    await expect(c.page.locator('#records-table tbody tr').count()).resolves.toBe(4);

    await c.page.selectOption('#records-form [name="status"]', 'failed');
    await c.page.click('#records-form button[type="submit"]');
    await waitForRows(2);
    const failedIds = await c.page
      .locator('#records-table tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
    // Newest first by default.
    expect(failedIds).toEqual([failedRefund.id, failedOrder.id]);
    // A failed record shows its error.
    await expect(rowOf(failedOrder.id).textContent()).resolves.toContain('seeded failure');

    await c.page.fill('#records-form [name="category"]', 'order');
    await c.page.click('#records-form button[type="submit"]');
    await waitForRows(1);
    await expect(rowOf(failedOrder.id).count()).resolves.toBe(1);

    // Sorted oldest first, two to a page.
    await c.page.selectOption('#records-form [name="status"]', '');
    await c.page.fill('#records-form [name="category"]', '');
    await c.page.selectOption('#records-form [name="sort_order"]', 'asc');
    await c.page.selectOption('#records-form [name="limit"]', '10');
    await c.page.click('#records-form button[type="submit"]');
    await waitForRows(4);
    const ascending = await c.page
      .locator('#records-table tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
    expect(ascending[0]).toBe(failedOrder.id);
    await expect(c.page.locator('#page-position').textContent()).resolves.toBe('1–4 of 4');
    await expect(c.page.locator('#page-next').isDisabled()).resolves.toBe(true);

    // A bad filter is the API's message, not a broken page.
    // Past the field's maxlength, as a hand-edited form could be.
    await c.page.locator('#records-form [name="source"]').evaluate((input) => {
      (input as unknown as { value: string }).value = 's'.repeat(65);
    });
    await c.page.click('#records-form button[type="submit"]');
    await c.page
      .locator('#records-error', {
        hasText: 'source must be shorter than or equal to 64 characters',
      })
      .waitFor();
  });

  it('opens a record: its fields, payload pretty-printed, and its events with request ids', async () => {
    const [record] = await seed([
      { category: 'order', payload: { order_id: 'A-1', amount: 'lots' }, status: 'failed' },
    ]);
    await open();
    await rowOf(record.id)
      .getByRole('button', { name: `Open record ${record.id}` })
      .click();
    await c.page.locator('#detail-events tbody tr').first().waitFor();

    await expect(c.page.locator('#detail-heading').textContent()).resolves.toBe(
      `Record ${record.id}`,
    );
    await expect(c.page.locator('#detail-payload').textContent()).resolves.toBe(
      // As stored (jsonb orders keys its own way) and answered by the API.
      JSON.stringify(record.payload, null, 2),
    );
    const events = await c.page
      .locator('#detail-events tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.children].slice(1).map((cell) => cell.textContent)),
      );
    expect(events).toEqual([
      ['created → pending', 'req_seeded_record_0001', '–'],
      ['pending → failed', 'req_seeded_record_0001', 'seeded failure'],
    ]);
    // Focus moves to the record, for keyboard and screen-reader users.
    await expect(
      c.page
        .locator('#detail-heading')
        .evaluate((node) => node === node.ownerDocument.activeElement),
    ).resolves.toBe(true);
  });

  it('retries a failed record from the page: pending in the database, the request id shown', async () => {
    const [record] = await seed([{ status: 'failed' }]);
    await open();
    await rowOf(record.id)
      .getByRole('button', { name: `Retry record ${record.id}` })
      .click();

    const done = c.page.locator('#activity li.ok').first();
    await done.waitFor();
    await expect(done.textContent()).resolves.toContain(`Retry record ${record.id}: now pending`);
    const requestId = (await done.locator('.request-id').textContent()) ?? '';
    expect(requestId).toMatch(REQUEST_ID);
    expect(await statusOf(record.id)).toBe('pending');
    const events = await c.t.db.query(
      `SELECT from_status, to_status FROM record_events WHERE request_id = $1`,
      [requestId],
    );
    expect(events).toEqual([{ from_status: 'failed', to_status: 'pending' }]);
    await rowOf(record.id).locator('.badge.pending').waitFor();
  });

  it('processes a pending record from the keyboard', async () => {
    const [record] = await seed([{ payload: { order_id: '1', amount: 99.99 } }]);
    await open();
    await rowOf(record.id)
      .getByRole('button', { name: `Process record ${record.id}` })
      .focus();
    await c.page.keyboard.press('Enter');
    await c.page.locator('#activity li.ok').first().waitFor();
    expect(await statusOf(record.id)).toBe('processed');
  });

  it('bulk retries the failed records matching the filters after a confirmation with the count', async () => {
    const records = await seed([
      { category: 'order', status: 'failed' },
      { category: 'order', status: 'failed' },
      { category: 'order', status: 'failed' },
      { category: 'refund', status: 'failed' },
    ]);
    await open();
    await c.page.fill('#records-form [name="category"]', 'order');

    // Cancelled from the keyboard: nothing changes.
    await c.page.click('#bulk-retry');
    const dialog = c.page.locator('#confirm');
    await dialog.waitFor();
    await expect(c.page.locator('#confirm-text').textContent()).resolves.toContain(
      'Retry 3 failed records matching category order',
    );
    await c.page.keyboard.press('Escape');
    await c.page.locator('#activity li', { hasText: 'Bulk retry cancelled.' }).waitFor();
    const [{ failed }] = await c.t.db.query(
      `SELECT count(*)::int AS failed FROM records WHERE status = 'failed'`,
    );
    expect(failed).toBe(4);

    await c.page.click('#bulk-retry');
    await dialog.waitFor();
    await c.page.click('#confirm-ok');
    const done = c.page.locator('#activity li.ok', { hasText: 'Bulk retry:' });
    await done.waitFor();
    await expect(done.textContent()).resolves.toContain('3 record(s) sent back to pending');
    const requestId = (await done.locator('.request-id').textContent()) ?? '';
    expect(requestId).toMatch(REQUEST_ID);

    const rows = await c.t.db.query(
      `SELECT r.category, r.status, e.request_id FROM records r
         LEFT JOIN record_events e ON e.record_id = r.id AND e.to_status = 'pending' AND e.from_status = 'failed'
        ORDER BY r.category`,
    );
    expect(rows).toEqual([
      { category: 'order', status: 'pending', request_id: requestId },
      { category: 'order', status: 'pending', request_id: requestId },
      { category: 'order', status: 'pending', request_id: requestId },
      { category: 'refund', status: 'failed', request_id: null },
    ]);
    expect(records).toHaveLength(4);
  });

  it('is readable on a narrow window: nothing wider than the screen but the tables', async () => {
    await seed([{ status: 'failed' }, {}]);
    await c.page.setViewportSize({ width: 360, height: 740 });
    await open();
    const overflow = await c.page
      .locator('html')
      .evaluate((root) => root.scrollWidth - root.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    // The stylesheet applied (not blocked): the failed badge is coloured.
    const badge = await c.page
      .locator('.badge.failed')
      .first()
      .evaluate((node) => node.ownerDocument.defaultView!.getComputedStyle(node).backgroundColor);
    expect(badge).toBe('rgb(207, 34, 46)');
  });

  it('charts /reports/timeseries: the drawn numbers are the endpoint’s, by hour and by day', async () => {
    await seedActivity([
      { hoursAgo: 5, status: 'processed' },
      { hoursAgo: 5, status: 'processed' },
      { hoursAgo: 5, status: 'failed' },
      { hoursAgo: 3, status: 'failed' },
      { hoursAgo: 3 },
      { hoursAgo: 1, status: 'processed' },
      { hoursAgo: 50, status: 'processed' },
    ]);
    await open();
    const hourly = await timeseries();
    await c.page
      .locator('#throughput-chart .bucket')
      .nth(hourly.points.length - 1)
      .waitFor();
    let drawn = await drawnPoints();
    expect(drawn.map((bucket) => bucket.point)).toEqual(hourly.points);
    // Bars are to scale: equal counts, equal heights; twice the count, twice the height.
    const fiveHoursAgo = drawn.find((bucket) => bucket.point.processed === 2)!;
    expect(fiveHoursAgo.heights.processed).toBeCloseTo(2 * fiveHoursAgo.heights.failed, 5);
    expect(fiveHoursAgo.heights.created).toBeCloseTo(3 * fiveHoursAgo.heights.failed, 5);
    expect(fiveHoursAgo.label).toMatch(
      /: 3 created, 2 processed, 1 failed \(33\.3% failed\), 0 retried$/,
    );
    await expect(c.page.locator('#throughput-totals').textContent()).resolves.toContain(
      '6 created, 3 processed, 2 failed (failure share 40.0% failed), 0 retried.',
    );

    // Hover shows a bucket's numbers; so does keyboard focus, moved with the arrow keys.
    const index = drawn.indexOf(fiveHoursAgo);
    await c.page.locator(`#throughput-chart .bucket[data-index="${index}"]`).hover();
    await expect(c.page.locator('#throughput-readout').textContent()).resolves.toBe(
      fiveHoursAgo.label,
    );
    await c.page.locator('#throughput-chart .bucket[tabindex="0"]').focus();
    await c.page.keyboard.press('End');
    await c.page.keyboard.press('ArrowLeft');
    const focused = await c.page.evaluate(
      "document.activeElement && document.activeElement.getAttribute('data-index')",
    );
    expect(Number(focused)).toBe(drawn.length - 2);
    await expect(c.page.locator('#throughput-readout').textContent()).resolves.toBe(
      drawn[drawn.length - 2].label,
    );

    // Refreshed with the rest of the page: a new record is counted in the newest bucket.
    await request(c.t.http)
      .post('/records')
      .send({ source: 'api', category: 'order', payload: {} })
      .expect(201);
    const newest = drawn[drawn.length - 1].point.created + 1;
    await c.page
      .locator(
        `#throughput-chart .bucket[data-index="${drawn.length - 1}"][data-created="${newest}"]`,
      )
      .waitFor();

    // By day over the last 30 days.
    await c.page.selectOption('#throughput-form [name="window"]', 'day');
    await c.page.locator('#throughput-chart .bucket').nth(29).waitFor();
    const dateFrom = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10);
    const daily = await timeseries({ bucket: 'day', date_from: dateFrom });
    expect(daily.points).toHaveLength(30);
    drawn = await drawnPoints();
    expect(drawn.map((bucket) => bucket.point)).toEqual(daily.points);
    expect(drawn.reduce((sum, bucket) => sum + bucket.point.created, 0)).toBe(8);
  });

  it('takes the screenshot the README shows', async () => {
    const categories = ['order', 'refund', 'invoice', 'shipment'];
    const seeds: RecordSeed[] = [];
    for (let i = 0; i < 14; i++) {
      seeds.push({
        category: categories[i % categories.length],
        source: i % 3 === 0 ? 'shop' : 'api',
        status: i % 4 === 0 ? 'failed' : i % 3 === 0 ? 'pending' : 'processed',
        payload: { order_id: `A-${1000 + i}`, amount: 10 * i },
        created_at: new Date(Date.UTC(2026, 0, 1 + i, 9, 30)).toISOString(),
      });
    }
    await seed(seeds);
    // A day of history for the throughput chart.
    const history: Parameters<typeof seedActivity>[0] = [];
    for (let hour = 0; hour < 24; hour++) {
      const n = 2 + ((hour * 7) % 5);
      for (let i = 0; i < n; i++) {
        history.push({
          hoursAgo: hour + 0.1,
          status: i === 0 && hour % 3 === 0 ? 'failed' : i < n - 1 ? 'processed' : 'pending',
          category: categories[(hour + i) % categories.length],
        });
      }
    }
    await seedActivity(history);
    await open();
    await c.page.locator('#throughput-chart .bucket').nth(23).waitFor();
    // The newest failed record, open beside the table.
    await c.page
      .locator('#records-table tr[data-status="failed"]')
      .first()
      .getByRole('button', { name: /^Open record/ })
      .click();
    await c.page.locator('#detail-events tbody tr').nth(1).waitFor();
    await c.page.screenshot({ path: SCREENSHOT, fullPage: true });
  });
});

describe('Operations console with API keys, in a real browser', () => {
  const KEY = 'console-key-0123456789';
  const c = useConsole({ API_KEYS: KEY });

  it('asks for the key, says plainly when it is refused, and uses an accepted one', async () => {
    const [record] = await Promise.all([seedRecord(c.t, { status: 'failed' })]);
    await c.page.goto(`${c.baseUrl}/console`);
    await c.page.locator('#records-table tbody tr').first().waitFor();
    const prompt = c.page.locator('#api-key');
    await expect(prompt.isVisible()).resolves.toBe(true);
    await expect(c.page.getByLabel(/API key for actions/).count()).resolves.toBe(1);

    await c.page.fill('#api-key-input', 'not-the-key');
    await c.page.press('#api-key-input', 'Enter');
    await expect(prompt.isVisible()).resolves.toBe(false);
    await c.page
      .locator(`#records-table tr[data-id="${record.id}"]`)
      .getByRole('button', { name: `Retry record ${record.id}` })
      .click();
    await c.page.locator('#api-key-message', { hasText: 'The API key was refused' }).waitFor();
    await expect(prompt.isVisible()).resolves.toBe(true);
    await expect(c.page.locator('#activity li.error').first().textContent()).resolves.toContain(
      'refused',
    );
    const status = async () =>
      (
        await c.t.db.query<{ status: string }[]>('SELECT status FROM records WHERE id = $1', [
          record.id,
        ])
      )[0].status;
    expect(await status()).toBe('failed');

    await c.page.fill('#api-key-input', KEY);
    await c.page.press('#api-key-input', 'Enter');
    await expect(
      c.page.evaluate("sessionStorage.getItem('workflow-console.api-key')"),
    ).resolves.toBe(KEY);
    await c.page
      .locator(`#records-table tr[data-id="${record.id}"]`)
      .getByRole('button', { name: `Retry record ${record.id}` })
      .click();
    await c.page.locator('#activity li.ok', { hasText: 'now pending' }).waitFor();
    expect(await status()).toBe('pending');

    // Kept for the tab: a reload does not ask again.
    await c.page.reload();
    await c.page.locator('#records-table tbody tr').first().waitFor();
    await expect(prompt.isVisible()).resolves.toBe(false);
  });
});

describe('Operations console: the Webhooks panel, in a real browser', () => {
  const c = useConsole({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true', WEBHOOK_POLL_INTERVAL_MS: '100' });
  const receiver = new WebhookReceiver();
  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
  });

  it('lists endpoints with their last outcome, shows deliveries with errors, and redelivers', async () => {
    const endpoint = (
      await request(c.t.http)
        .post('/webhooks')
        .send({ url: receiver.url(), events: ['record.created'] })
        .expect(201)
    ).body as { id: string };
    receiver.answer = () => ({ status: 410 });
    await request(c.t.http)
      .post('/records')
      .send({ source: 'api', category: 'order', payload: { amount: 1 } })
      .expect(201);
    await receiver.receivedCount(1);
    // The relay records the 410 (and disables the endpoint) right after the answer.
    for (;;) {
      const [row] = await c.t.db.query('SELECT enabled FROM webhook_endpoints WHERE id = $1', [
        endpoint.id,
      ]);
      if (!row.enabled) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    await c.page.goto(`${c.baseUrl}/console`);
    const row = c.page.locator(`#webhooks-table tr[data-webhook-id="${endpoint.id}"]`);
    await row.waitFor();
    await expect(row.locator('.webhook-url').textContent()).resolves.toBe(receiver.url());
    await expect(row.locator('.webhook-enabled, .webhook-disabled').textContent()).resolves.toBe(
      'no: The receiver answered 410 Gone',
    );
    await expect(row.locator('.webhook-outcome').textContent()).resolves.toBe(
      'failed (410): answered 410',
    );

    await row.getByRole('button', { name: 'Deliveries' }).click();
    const delivery = c.page.locator('#webhook-deliveries-table tbody tr[data-delivery-id]');
    await delivery.first().waitFor();
    await expect(delivery.count()).resolves.toBe(1);
    await expect(delivery.locator('.delivery-status').textContent()).resolves.toBe('failed');
    await expect(delivery.locator('.delivery-answer').textContent()).resolves.toBe(
      '410: answered 410',
    );

    // Redelivering a delivery of a disabled endpoint queues it; it goes once re-enabled.
    receiver.answer = () => ({ status: 200 });
    await delivery.getByRole('button', { name: 'Redeliver' }).click();
    await c.page.locator('#activity li.ok', { hasText: 'Redelivery of evt_' }).waitFor();
    await expect(delivery.locator('.delivery-status').textContent()).resolves.toBe('pending');
    await request(c.t.http).patch(`/webhooks/${endpoint.id}`).send({ enabled: true }).expect(200);
    await receiver.receivedCount(2);
    expect(receiver.received[1].headers['webhook-id']).toBe(
      receiver.received[0].headers['webhook-id'],
    );
  });
});
