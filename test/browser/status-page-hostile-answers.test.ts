import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../functions/status-page/handler.js';
import { launchChromium } from '../support/browser.js';
import { lambdaContext } from '../support/lambda.js';

/**
 * The status page against answers the sandbox never gives: markup in every value, provider step ids that are
 * JavaScript property names or form a cycle, an API that hangs or throttles. The page is the real function's;
 * the API behind it is played by the browser's request routing.
 */

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

const MARKUP = '"><img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
const at = new Date().toISOString();
const glance = {
  id: 'op-1',
  kind: 'switchover',
  state: 'RUNNING',
  requestedBy: MARKUP,
  createdAt: at,
  updatedAt: at,
  progress: MARKUP,
  steps: { done: 0, running: 1, waiting: 0, failed: 0 },
  outcome: null,
};
function pairs(name = 'orders-ob') {
  return {
    items: [
      {
        name,
        provider: 'oceanbase',
        providerName: MARKUP,
        description: MARKUP,
        failover: { mode: 'auto', holdOffSeconds: 30, cooldownSeconds: 3600, fencing: 'required' },
        roles: { primary: MARKUP, standby: null, source: 'config' },
        health: { status: 'operating', reasons: [MARKUP] },
        cooldown: null,
        atRisk: null,
        lastAutomaticFailoverAt: null,
        acknowledgedAt: null,
        acknowledgedBy: null,
        heldBy: glance,
        claimedBy: null,
        lastOperation: glance,
        latestDecision: {
          id: 'd-1',
          outcome: 'notified',
          reason: MARKUP,
          alert: MARKUP,
          operationId: null,
          createdAt: at,
          updatedAt: at,
        },
      },
    ],
    brake: {
      engaged: true,
      reason: MARKUP,
      changedAt: at,
      changedBy: MARKUP,
      failoversThisHour: { count: 0, limit: 2, at: [] },
    },
  };
}
const operation = (steps: unknown[]) => ({
  items: [
    {
      id: 'op-1',
      kind: 'switchover',
      pair: 'orders-ob',
      state: 'RUNNING',
      requestedBy: { principal: MARKUP },
      createdAt: at,
      steps,
    },
  ],
  nextCursor: null,
});

type Api = (route: Route, path: string) => Promise<void> | void;
const json = (route: Route, body: unknown, status = 200) =>
  route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });

/** The page from its function, the API played by `api`, signed in. */
async function open(api: Api): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of (429|503)/.test(message.text()))
      errors.push(message.text());
  });
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname !== '/') return api(route, url.pathname + url.search);
    const page = (await handler({} as never, lambdaContext())) as Exclude<APIGatewayProxyResultV2, string>;
    return route.fulfill({
      status: page.statusCode ?? 200,
      headers: page.headers as Record<string, string>,
      body: page.body ?? '',
    });
  });
  await page.goto('http://switchyard.test/');
  await page.getByLabel('Read API key').fill('a-read-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { page, errors };
}

describe('the status page, given answers the sandbox never gives', () => {
  it('shows markup in any value as text, and runs none of it', async () => {
    const { page, errors } = await open((route, path) => {
      if (path.startsWith('/v1/pairs')) return json(route, pairs());
      if (path.startsWith('/v1/operations')) return json(route, operation([]));
      return json(route, { items: [] });
    });
    await expect.poll(() => page.locator('article.card').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.locator('article.card').innerText()).toContain(MARKUP);
    expect(await page.locator('#brake').innerText()).toContain(MARKUP);
    expect(await page.locator('img, main script').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws steps whose ids are property names or form a cycle, and keeps the board current', async () => {
    const steps = [
      { id: 'toString', name: 'a step called toString', status: 'succeeded', upstreams: ['__proto__'] },
      { id: '__proto__', name: 'a step called __proto__', status: 'running', upstreams: ['toString'] },
      {
        id: 'self',
        name: 'a step upstream of itself',
        status: 'pending',
        upstreams: ['self', 'constructor'],
      },
    ];
    let answered = 0;
    const { page, errors } = await open((route, path) => {
      if (path.startsWith('/v1/pairs')) return json(route, pairs(`pair-${++answered}`));
      if (path.startsWith('/v1/operations')) return json(route, operation(steps));
      return json(route, { items: [] });
    });
    const panel = page.locator('article.operation');
    await expect.poll(() => panel.locator('[data-step]').count(), { timeout: 10_000 }).toBe(3);
    // The next refresh still lands: the card shows the newer answer.
    await expect
      .poll(() => page.locator('article.card').getAttribute('data-pair'), { timeout: 12_000 })
      .not.toBe('pair-1');
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);

  it('says when the API stops answering, and marks what it shows as stale', async () => {
    let calls = 0;
    const { page } = await open((route, path) => {
      if (path.startsWith('/v1/pairs') && ++calls > 1) return; // never answers again
      if (path.startsWith('/v1/pairs')) return json(route, pairs());
      return json(route, path.startsWith('/v1/operations') ? operation([]) : { items: [] });
    });
    await expect.poll(() => page.locator('article.card').count(), { timeout: 10_000 }).toBe(1);
    await expect
      .poll(() => page.locator('#problem').innerText(), { timeout: 25_000, interval: 500 })
      .toContain('Could not refresh: no answer within 10 s');
    expect(await page.locator('#updated').innerText()).toMatch(/^stale: last updated /);
    // What was read before stays on the board, marked as such.
    expect(await page.locator('article.card').count()).toBe(1);
    await page.close();
  }, 40_000);

  it('backs off when throttled, and shows why even before anything loaded', async () => {
    const asked: number[] = [];
    const { page } = await open((route, path) => {
      if (path.startsWith('/v1/pairs')) asked.push(Date.now());
      return json(route, { title: 'Too Many Requests', detail: 'Too Many Requests' }, 429);
    });
    await expect
      .poll(() => page.locator('#problem').innerText(), { timeout: 10_000 })
      .toContain('Could not refresh: Too Many Requests.');
    expect(await page.locator('#problem').isVisible()).toBe(true);
    await expect.poll(() => asked.length, { timeout: 20_000, interval: 500 }).toBeGreaterThanOrEqual(3);
    // 5 s, then 10 s: each wait longer than the one before.
    const [first, second, third] = asked as [number, number, number];
    expect(third - second).toBeGreaterThan(second - first);
    await page.close();
  }, 40_000);
});
