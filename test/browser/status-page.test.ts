import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { type RunningLauncher, startLauncher } from '../support/launcher.js';

/**
 * The status page in a real headless Chromium against `npm start`'s stack (serverless offline, the simulators,
 * the local store), as a person on call uses it: sign in with a read key, watch a switchover run to the end.
 */

let launcher: RunningLauncher;
let browser: Browser;
let page: Page;
/** What the page said went wrong by itself: script errors, CSP refusals, failed loads. */
let pageErrors: string[];

// Slow enough to watch: OCP's four-minute switchover takes about 12 s.
beforeAll(async () => {
  [launcher, browser] = await Promise.all([startLauncher({ SANDBOX_SPEED: '20' }), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await launcher?.stop();
}, 30_000);

beforeEach(async () => {
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // A refused key is a 401 the page handles; the browser still logs the failed load.
    if (message.type() === 'error' && !message.text().includes('401')) pageErrors.push(message.text());
  });
  await page.goto(launcher.url('SWITCHYARD_API_PORT', '/'));
});

afterEach(async () => {
  await page?.close();
});

async function signIn(key: string) {
  await page.getByLabel('Read API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The key as the tab keeps it. */
const storedKey = () => page.evaluate<string | null>("sessionStorage.getItem('switchyard.readKey')");

const card = (pair: string) => page.locator(`article.card[data-pair="${pair}"]`);

async function startSwitchover(pair: string) {
  const response = await fetch(launcher.url('SWITCHYARD_API_PORT', '/v1/switchovers'), {
    method: 'POST',
    headers: { authorization: 'Bearer sandbox-operator-key', 'content-type': 'application/json' },
    body: JSON.stringify({ pair, reason: 'status page drill' }),
  });
  const body = (await response.json()) as { operation: { id: string } };
  expect(response.status, JSON.stringify(body)).toBe(202);
  return body.operation.id;
}

describe('the status page', () => {
  it('asks for a read key, and says plainly when the key is wrong', async () => {
    await expect.poll(() => page.getByLabel('Read API key').isVisible()).toBe(true);
    await signIn('not-a-real-key');
    await expect
      .poll(() => page.getByRole('alert').first().textContent())
      .toContain('That key was not accepted');
    // Nothing of the board is shown, and the wrong key is not kept.
    expect(await page.locator('#board').isVisible()).toBe(false);
    expect(await storedKey()).toBeNull();
    expect(pageErrors).toEqual([]);
  });

  it('shows every pair with its provider, mode, members and health, and the brake', async () => {
    await signIn('sandbox-reader-key');
    await expect.poll(() => page.locator('article.card').count(), { timeout: 20_000 }).toBe(6);
    const orders = card('orders-ob');
    expect(await orders.locator('h3').textContent()).toBe('orders-obquiet');
    const facts = await orders.locator('dl').innerText();
    expect(facts).toContain('OceanBase OCP');
    expect(facts).toContain('tenant 1001 in cluster 1');
    expect(facts).toContain('tenant 1002 in cluster 2');
    expect(await card('billing-rds').locator('dl').innerText()).toContain('approve, hold-off');
    expect(await page.locator('#brake').textContent()).toContain('Brake released');

    // The key lives in this tab only, and is sent as a bearer token, not a cookie.
    expect(await storedKey()).toBe('sandbox-reader-key');
    expect(await page.context().cookies()).toEqual([]);
    // Reloading keeps the person signed in; signing out forgets the key.
    await page.reload();
    await expect.poll(() => page.locator('article.card').count(), { timeout: 20_000 }).toBe(6);
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.getByLabel('Read API key').isVisible()).toBe(true);
    expect(await storedKey()).toBeNull();
    expect(pageErrors).toEqual([]);
  });

  it('follows a switchover step by step, drawing its subtasks, until it has SUCCEEDED', async () => {
    await signIn('sandbox-reader-key');
    await expect.poll(() => page.locator('article.card').count(), { timeout: 20_000 }).toBe(6);
    const id = await startSwitchover('orders-ob');
    const panel = page.locator(`article.operation[data-operation="${id}"]`);

    // It appears on its own (the page refreshes itself), running, with a part of its steps done.
    await expect.poll(() => panel.getAttribute('data-state'), { timeout: 20_000 }).toBe('RUNNING');
    expect(await panel.locator('h3').textContent()).toBe('switchover on orders-ob: RUNNING');
    await expect.poll(() => panel.locator('svg.dag g[data-step]').count(), { timeout: 15_000 }).toBe(10);
    // OCP's subtasks run one after another: nine arrows join the ten.
    expect(await panel.locator('svg.dag path').count()).toBe(9);
    const progress = panel.getByRole('progressbar');
    expect(await progress.getAttribute('aria-valuemax')).toBe('10');
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const done = await progress.getAttribute('aria-valuenow').catch(() => null);
          if (done !== null) seen.add(done);
          return seen.size;
        },
        { timeout: 20_000, interval: 250 },
      )
      .toBeGreaterThan(1);
    expect(await card('orders-ob').locator('.pill').textContent()).toBe('operating');

    // At the end it leaves the running list, and the pair says how it ended.
    await expect.poll(() => panel.count(), { timeout: 40_000 }).toBe(0);
    const facts = await card('orders-ob').locator('dl').innerText();
    expect(facts).toContain('switchover, SUCCEEDED');
    expect(await card('orders-ob').locator('.pill').textContent()).toBe('quiet');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('writes what the API says as text, never as markup', async () => {
    await signIn('sandbox-reader-key');
    await expect.poll(() => page.locator('article.card').count(), { timeout: 20_000 }).toBe(6);
    // An alert name is whatever a monitoring system sent: it must reach the page as words.
    const response = await fetch(launcher.url('SWITCHYARD_API_PORT', '/v1/alerts/alertmanager'), {
      method: 'POST',
      headers: { authorization: 'Bearer sandbox-alertmanager-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'switchyard',
        groupKey: '{}:{alertname="x"}',
        alerts: [
          {
            status: 'firing',
            labels: { alertname: '<img src=x onerror="document.title=1">', pair: 'orders-ob' },
            annotations: {},
            startsAt: new Date().toISOString(),
            fingerprint: `status-page-${Date.now()}`,
          },
        ],
      }),
    });
    expect(response.status, await response.text()).toBe(200);
    await expect
      .poll(() => page.locator('#decisions').innerText(), { timeout: 15_000 })
      .toContain('<img src=x onerror="document.title=1">');
    expect(await page.locator('#decisions img').count()).toBe(0);
    expect(await page.title()).toBe('Switchyard status');
    expect(pageErrors).toEqual([]);
  });
});
