import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { launchChromium, shot } from './browser.js';
import { type Seeded, seedReview } from './seed.js';
import { type ReviewServer, startReviewServer, USERS } from './server.js';

/** A team lead's morning in a real headless Chromium, against a seeded database. */

let db: TestDb;
let s: ReviewServer;
let seeded: Seeded;
let chrome: Awaited<ReturnType<typeof launchChromium>>;
let ctx: BrowserContext;
let page: Page;

beforeAll(async () => {
  db = await createTestDb();
  seeded = await seedReview(db.pool);
  s = await startReviewServer(db, { QC_BUDGET_DAILY_USD: '1', QC_BUDGET_MONTHLY_USD: '20' });
  chrome = await launchChromium();
  ctx = chrome.context;
  page = ctx.pages()[0] ?? (await ctx.newPage());
});
afterAll(async () => {
  await chrome?.close();
  await s?.close();
  await db?.drop();
});

async function signIn(p: Page, name: keyof typeof USERS) {
  await p.goto(`${s.url}/review/escalations`);
  await p.waitForURL(/\/review\/login/);
  await p.fill('#username', name);
  await p.fill('#password', USERS[name].password);
  await p.click('button[type=submit]');
  await p.waitForURL(/\/review\/escalations$/);
}

describe('review pages in Chromium', () => {
  it('logs in', async () => {
    await page.goto(`${s.url}/review/escalations`);
    await page.waitForURL(/\/review\/login/);
    await shot(page, '01-login');
    await signIn(page, 'alice');
    await expect(page.locator('header .who').textContent()).resolves.toContain('alice · admin');
    const cookies = await ctx.cookies();
    const session = cookies.find((c) => c.name === 'tqc_session');
    expect(session?.httpOnly).toBe(true);
    expect(session?.sameSite).toBe('Lax');
  });

  it('resolves an escalation', async () => {
    await shot(page, '02-escalations');
    const rows = page.locator('main table tbody tr');
    expect(await rows.count()).toBe(seeded.escalationIds.length);
    await rows.first().locator('a').first().click();
    await page.waitForURL(/\/review\/escalations\/\d+$/);
    const id = Number(page.url().split('/').pop());
    await expect(page.locator('h1').textContent()).resolves.toContain(`Escalation #${id}`);
    await expect(page.locator('text=Per criterion').count()).resolves.toBe(1);
    await shot(page, '03-escalation-detail');
    await page.fill(
      '#note-resolve',
      'Called the customer; the breach report was filed with security.',
    );
    await page.click('form[action$="/resolve"] button');
    await page.waitForURL(/done=resolved/);
    await expect(page.locator('.flash').textContent()).resolves.toContain('Escalation resolved');
    const e = await db.pool.query(
      'SELECT status, resolved_by, resolution_note FROM escalations WHERE id = $1',
      [id],
    );
    expect(e.rows[0]).toMatchObject({ status: 'resolved', resolved_by: 'alice' });
    await shot(page, '04-escalation-resolved');
  });

  it('overrides a verdict; the failure event is recorded and the ticket joins the evaluation set', async () => {
    const resultId = seeded.resultIds[1];
    await page.goto(`${s.url}/review/results/${resultId}`);
    const r = await db.pool.query<{
      ticket_id: number;
      verdict: { criteria: { criterion: string; result: string }[] };
    }>('SELECT ticket_id, verdict FROM qc_results WHERE id = $1', [resultId]);
    const row = r.rows[0];
    const crit = row?.verdict.criteria.find((c) => c.result !== 'missing');
    // The criteria form starts at what the verdict says; change one criterion only.
    const select = page.locator(`select[name="c.${crit?.criterion ?? ''}"]`);
    await expect(select.inputValue()).resolves.toBe(crit?.result);
    await select.selectOption('missing');
    const criteriaForm = page.locator('form[data-form="criteria"]');
    await criteriaForm
      .locator('textarea[name=reason]')
      .fill('The technician never wrote down what was done on site.');
    await criteriaForm.locator('input[name=gold]').check();
    await shot(page, '05-override-form');
    await criteriaForm.locator('button[type=submit]').click();
    await page.waitForURL(/done=gold/);
    const failure = await db.pool.query(
      "SELECT agent, category, details FROM agent_events WHERE kind = 'failure' AND ticket_id = $1",
      [row?.ticket_id],
    );
    expect(failure.rows).toHaveLength(1);
    expect(failure.rows[0]).toMatchObject({
      agent: 'qc-worker',
      category: crit?.criterion,
      details: { kind: 'override', to: 'missing', reviewer: 'alice' },
    });
    const gold = await db.pool.query('SELECT origin, gold FROM gold_labels WHERE ticket_id = $1', [
      row?.ticket_id,
    ]);
    expect(gold.rows[0]?.origin).toBe('review');
    expect(gold.rows[0]?.gold.criteria[crit?.criterion ?? '']).toBe('missing');
    await page.goto(`${s.url}/review/overrides`);
    await expect(page.locator('main table').textContent()).resolves.toContain('never wrote down');
    await shot(page, '06-overrides');
  });

  it('approves a proposal and shows the new context version', async () => {
    await page.goto(`${s.url}/review/proposals`);
    await shot(page, '07-proposals');
    await page.click(`a[href$="/proposals/${seeded.proposalId}"] >> nth=0`);
    await expect(page.locator('table[data-diff="split"] ins').count()).resolves.toBeGreaterThan(0);
    await shot(page, '08-proposal-diff');
    // The first click asks, with the backtest in front of the lead.
    await page.click('button[value=approve]');
    await page.waitForSelector('[data-confirm="approve"]');
    await expect(page.locator('[data-confirm="approve"]').textContent()).resolves.toContain(
      '2 fixed',
    );
    await page.fill('#note', 'Imported tickets are common; the rule is sound.');
    await page.click('button[value=approve]');
    await page.waitForURL(/done=approved/);
    await expect(page.locator('main').textContent()).resolves.toContain('rubric.md v2');
    await page.click('a:has-text("rubric.md v2")');
    await page.waitForURL(/context\/versions/);
    const active = page.locator('tr', { has: page.locator('text=active') });
    await expect(active.locator('td').first().textContent()).resolves.toBe('v2');
    await shot(page, '09-context-versions');
    const v = await db.pool.query(
      "SELECT version, author FROM context_versions WHERE file = 'rubric.md' AND active",
    );
    expect(v.rows[0]).toMatchObject({ version: 2, author: 'alice' });
  });

  it('renders the cost chart with data', async () => {
    await page.goto(`${s.url}/review/costs`);
    const bars = page.locator('svg[data-chart="by-agent"] rect.seg');
    expect(await bars.count()).toBeGreaterThan(10);
    const box = await bars.first().boundingBox();
    expect(box?.height ?? 0).toBeGreaterThan(0);
    expect(await page.locator('svg[data-chart="by-model"] rect.seg').count()).toBeGreaterThan(10);
    await expect(page.locator('.legend').first().textContent()).resolves.toContain('qc-worker');
    await shot(page, '10-costs');
  });

  it('shows technicians, supervision, the queue, Bull Board and the audit log', async () => {
    await page.goto(`${s.url}/review/technicians`);
    expect(await page.locator('main table tbody tr').count()).toBeGreaterThan(1);
    await shot(page, '11-technicians');
    await page.goto(`${s.url}/review/supervision`);
    await expect(page.locator('[data-verdict]').getAttribute('data-verdict')).resolves.toBe(
      'inconclusive',
    );
    await shot(page, '12-supervision');
    await page.goto(`${s.url}/review/queue`);
    await shot(page, '13-queue');
    await page.goto(`${s.url}/review/queues`);
    await page.waitForSelector('text=ticket-qc queues', { timeout: 15_000 });
    // Its API calls go through the same guard: the queue list only appears if they were let in.
    await page.getByRole('link', { name: 'qc', exact: true }).first().click();
    await page.waitForLoadState('networkidle');
    await shot(page, '14-bull-board');
    await page.goto(`${s.url}/review/audit`);
    const log = await page.locator('main table').textContent();
    for (const action of [
      'login',
      'escalation.resolve',
      'override.add',
      'gold.add',
      'proposal.approve',
    ])
      expect(log).toContain(action);
    await shot(page, '15-audit');
  });
});
