import { AddressInfo } from 'node:net';
import { Browser, chromium, Page } from 'playwright-core';
import type { TestApp } from '../app';

/** Debian's chromium package; playwright-core brings no browser of its own. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Headless Chromium, as the browser tests drive it. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Makes a test app listen on a free local port; its base URL. */
export async function listen(t: TestApp): Promise<string> {
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** A refused request the page expects (an API error) is reported as this console line. */
const HTTP_ERROR_STATUS = /^Failed to load resource: the server responded with a status of 4\d\d/;

/**
 * What went wrong in a page: uncaught errors, console errors (a Content-Security-Policy
 * violation is one), and requests that failed (blocked by the policy, or never answered).
 * An API's 4xx answer is a response, not a failure, and is left to the test.
 */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !HTTP_ERROR_STATUS.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? '';
    // A reload cancels the page's requests in flight (the overview's refresh): not a failure.
    if (reason !== 'net::ERR_ABORTED') problems.push(`request failed: ${request.url()} ${reason}`);
  });
  return problems;
}
