import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { launchChromium, shot } from './browser.js';
import { type Seeded, seedReview } from './seed.js';
import { type ReviewServer, startReviewServer, USERS } from './server.js';

/**
 * Issue 16: every review page at a laptop's and a phone's viewport, in a real
 * Chromium: no sideways scroll, no element past the right edge, zero serious
 * accessibility violations (axe-core injected into the page), and no request
 * leaving the server's origin.
 */

const VIEWPORTS = [
  { name: 'laptop', width: 1366, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let db: TestDb;
let s: ReviewServer;
let seeded: Seeded;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const offOrigin: string[] = [];

beforeAll(async () => {
  db = await createTestDb();
  seeded = await seedReview(db.pool);
  s = await startReviewServer(db, { QC_BUDGET_DAILY_USD: '1', QC_BUDGET_MONTHLY_USD: '20' });
  chrome = await launchChromium();
  page = chrome.context.pages()[0] ?? (await chrome.context.newPage());
  const origin = new URL(s.url).origin;
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'))
      offOrigin.push(u);
  });
  await page.goto(`${s.url}/review/`);
  await page.waitForURL(/\/review\/login/);
  await page.fill('#username', 'alice');
  await page.fill('#password', USERS.alice.password);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => !u.pathname.endsWith('/login'));
});
afterAll(async () => {
  await chrome?.close();
  await s?.close();
  await db?.drop();
});

/** Every page a lead can open: each GET route of the plugin, ids filled from the seed. */
async function pages(): Promise<string[]> {
  const t = await db.pool.query<{ source: string; external_id: string }>(
    'SELECT source, external_id FROM tickets WHERE id = $1',
    [seeded.ticketIds[0]],
  );
  const key = t.rows[0];
  const fill: Record<string, string> = {
    '/review/escalations/:id': `/review/escalations/${seeded.escalationIds[0]}`,
    '/review/results/:id': `/review/results/${seeded.resultIds[0]}`,
    '/review/proposals/:id': `/review/proposals/${seeded.proposalId}`,
    '/review/tickets/:source/:externalId': `/review/tickets/${encodeURIComponent(key?.source ?? '')}/${encodeURIComponent(key?.external_id ?? '')}`,
    '/review/tickets/v/:id': `/review/tickets/v/${seeded.ticketIds[1]}`,
    '/review/context/versions': '/review/context/versions?file=rubric.md',
    '/review/results/lookup': `/review/results/lookup?ref=${encodeURIComponent(key?.external_id ?? '')}`,
  };
  const skip = (u: string) =>
    u.includes('/queues') || u.endsWith('/static/app.js') || u.endsWith('/login') || u === '*';
  const urls = new Set<string>();
  for (const r of s.routes) {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    if (!methods.includes('GET') || skip(r.url)) continue;
    const url = fill[r.url] ?? r.url;
    if (url.includes(':')) throw new Error(`no id to open ${r.url} with: add it to the test`);
    urls.add(url);
  }
  // The pages that take filters, with one set, and a page that does not exist.
  urls.add('/review/tickets?outcome=fail&missed=yes');
  urls.add('/review/trends?basis=graded&weeks=4');
  urls.add('/review/no-such-page');
  return [...urls].sort();
}

interface Problems {
  overflow: number;
  offscreen: string[];
  serious: string[];
}

/** Runs in the page (a string: the test's TypeScript has no DOM types). */
const INSPECT = `(async () => {
  const vw = document.documentElement.clientWidth;
  const offscreen = [];
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.position === 'fixed') continue;
    if (r.right > vw + 1 || r.left < -1) {
      const cls = typeof el.className === 'string' && el.className ? '.' + el.className.split(' ')[0] : '';
      offscreen.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls + ' [' + Math.round(r.left) + ', ' + Math.round(r.right) + ']');
    }
  }
  const result = await window.axe.run(document, { resultTypes: ['violations'] });
  const serious = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
  return { overflow: document.documentElement.scrollWidth - window.innerWidth, offscreen: offscreen.slice(0, 10), serious };
})()`;

async function inspect(p: Page): Promise<Problems> {
  await p.evaluate(AXE);
  return p.evaluate<Problems>(INSPECT);
}

describe('every review page at 1366×900 and 390×844', () => {
  for (const vp of VIEWPORTS) {
    it(`${vp.name}: no sideways scroll, nothing off-screen, no serious axe violation`, async () => {
      await page.setViewportSize({ width: vp.width, height: vp.height });
      const found: Record<string, Problems> = {};
      const urls = await pages();
      expect(urls.length).toBeGreaterThan(15);
      for (const url of urls) {
        const res = await page.goto(`${s.url}${url}`);
        expect(res?.status(), url).toBe(url.endsWith('no-such-page') ? 404 : 200);
        const p = await inspect(page);
        if (p.overflow > 0 || p.offscreen.length || p.serious.length) found[url] = p;
      }
      if (Object.keys(found).length) console.log(JSON.stringify(found, null, 2));
      expect(found).toEqual({});
      await page.goto(`${s.url}/review/tickets`);
      await shot(page, `16-tickets-${vp.name}`);
    });
  }

  it('the phone menu is collapsed until its button opens it, and works from the keyboard', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${s.url}/review/escalations`);
    await expect(page.locator('#nav').isVisible()).resolves.toBe(false);
    await page.keyboard.press('Tab');
    await expect(page.evaluate<string>('document.activeElement.textContent')).resolves.toBe(
      'Skip to content',
    );
    await page.focus('.menu-button');
    await page.keyboard.press('Enter');
    await expect(page.locator('#nav').isVisible()).resolves.toBe(true);
    await expect(page.locator('.menu-button').getAttribute('aria-expanded')).resolves.toBe('true');
    await shot(page, '17-phone-menu');
  });

  it('Bull Board loads without anything leaving the origin', async () => {
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.goto(`${s.url}/review/queues`);
    await page.waitForSelector('text=ticket-qc queues', { timeout: 15_000 });
    await page.waitForLoadState('networkidle');
    const html = await page.content();
    expect(html).not.toContain('fonts.googleapis.com');
    expect(offOrigin).toEqual([]);
  });
});
