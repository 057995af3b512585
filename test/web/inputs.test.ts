import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { seedReview } from './seed.js';
import { login, type ReviewServer, startReviewServer } from './server.js';

/**
 * Route inputs are zod schemas on the routes: a value no page can use is a
 * 400 on the error page (JSON for a client that does not ask for HTML),
 * checked after the session and the CSRF token; a filter with an unknown
 * value still falls back to its default.
 */

let db: TestDb;
let s: ReviewServer;
let admin: { cookie: string; csrf: string };

beforeAll(async () => {
  db = await createTestDb();
  await seedReview(db.pool, new Date(), 4);
  s = await startReviewServer(db);
  admin = await login(s, 'alice');
});
afterAll(async () => {
  await s?.close();
  await db?.drop();
});

const page = (url: string, accept = 'text/html') =>
  s.app.inject({ method: 'GET', url, headers: { cookie: admin.cookie, accept } });

const post = (url: string, fields: Record<string, string>, csrf = admin.csrf) =>
  s.app.inject({
    method: 'POST',
    url,
    headers: {
      cookie: admin.cookie,
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });

function expectErrorPage(res: Awaited<ReturnType<typeof page>>, message: string) {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(400);
  expect(res.headers['content-type']).toContain('text/html');
  expect(res.body).toContain('Could not do that');
  expect(res.body).toContain(message);
}

describe('a value that fails a route schema', () => {
  it('a path id that is not a positive integer: the error page, 400', async () => {
    for (const url of [
      '/review/escalations/abc',
      '/review/proposals/0',
      '/review/results/1.5',
      '/review/escalations/-3',
    ]) {
      expectErrorPage(await page(url), 'id must be a positive integer');
    }
  });

  it('the same refusal as JSON for a client that does not ask for HTML', async () => {
    const res = await page('/review/escalations/abc', 'application/json');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'id must be a positive integer' });
  });

  it('a query value that cannot mean anything: the error page, 400', async () => {
    expectErrorPage(
      await page('/review/context/versions?file=rubric.md&version=abc'),
      'version must be a whole number',
    );
  });

  it('form fields that fail: the error page, 400, nothing done', async () => {
    expectErrorPage(
      await post('/review/proposals/1/decide', { decision: 'maybe' }),
      'decision must be approve, reject or dismiss',
    );
    expectErrorPage(
      await post('/review/context/restore', { file: 'rubric.md', version: 'two' }),
      'file and version are required',
    );
    expectErrorPage(
      await post('/review/context/restore', { version: '1' }),
      'file and version are required',
    );
    expectErrorPage(
      await post('/review/escalations/x/acknowledge', { note: 'n' }),
      'id must be a positive integer',
    );
  });

  it('is checked after the CSRF token: a forged post is a 403 whatever its fields', async () => {
    const res = await post('/review/proposals/abc/decide', { decision: 'maybe' }, 'forged');
    expect(res.statusCode).toBe(403);
  });
});

describe('filters stay forgiving', () => {
  it('an unknown filter value falls back to the default instead of failing', async () => {
    for (const url of [
      '/review/escalations?status=bogus&age=forever',
      '/review/escalations?status=open&status=all',
      '/review/proposals?status=nonsense',
      '/review/costs?days=5',
      '/review/technicians?days=abc',
      '/review/supervision?days=7&days=30',
      '/review/audit?actor=a&actor=b',
    ]) {
      const res = await page(url);
      expect(res.statusCode, url).toBe(200);
    }
    const costs = await page('/review/costs?days=5');
    expect(costs.body).toMatch(/<option value="14" selected>/);
    const week = await page('/review/costs?days=7');
    expect(week.body).toMatch(/<option value="7" selected>/);
  });

  it('the flash code of a redirect still shows, repeated or not', async () => {
    const res = await page('/review/queue?done=paused&done=resumed');
    expect(res.body).toContain('The qc queue is paused.');
  });
});
