import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trendGroups } from '../../src/db/trends.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Seeded, seedReview } from './seed.js';
import { login, type ReviewServer, startReviewServer } from './server.js';

/**
 * Issue 16: the proposals and overrides lists stopped at fixed limits (200,
 * 100) with no way further back. They page by keyset now: 50 a page, "Older »"
 * to the next, "« Newest" back, nothing lost or repeated between pages.
 */

let db: TestDb;
let s: ReviewServer;
let seeded: Seeded;
let cookie: string;

beforeAll(async () => {
  db = await createTestDb();
  seeded = await seedReview(db.pool);
  s = await startReviewServer(db);
  cookie = (await login(s, 'alice')).cookie;
  const ticketId = seeded.ticketIds[0] as number;
  const resultId = seeded.resultIds[0] as number;
  // 60 more of each, one second apart, so created_at orders them.
  await db.pool.query(
    `INSERT INTO overrides (ticket_id, result_id, original, corrected, reason, reviewer, created_at)
     SELECT $1, $2, 'fail', 'pass', 'paging reason ' || g, 'lead', now() - make_interval(secs => g)
     FROM generate_series(1, 60) g`,
    [ticketId, resultId],
  );
  await db.pool.query(
    `INSERT INTO prompt_proposals (agent, category, file, base_version, evidence, status, created_at)
     SELECT 'qc-worker', 'paging_' || g, 'rubric.md', 1, '{}'::jsonb, 'rejected', now() - make_interval(secs => g)
     FROM generate_series(1, 60) g`,
  );
});
afterAll(async () => {
  await s?.close();
  await db?.drop();
});

const get = (url: string) =>
  s.app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });
const olderLink = (body: string) =>
  /<a class="button secondary" rel="next" href="([^"]+)">Older/
    .exec(body)?.[1]
    ?.replaceAll('&amp;', '&');

async function walk(first: string, marker: RegExp): Promise<{ pages: number; seen: string[] }> {
  const seen: string[] = [];
  let url: string | undefined = first;
  let pages = 0;
  while (url) {
    const res = await get(url);
    expect(res.statusCode, url).toBe(200);
    if (pages > 0) expect(res.body).toContain('« Newest');
    seen.push(...[...res.body.matchAll(marker)].map((m) => m[1] as string));
    url = olderLink(res.body);
    pages++;
    expect(pages).toBeLessThan(10);
  }
  return { pages, seen };
}

describe('keyset paging of long lists', () => {
  it('overrides: every one reachable, none twice', async () => {
    const { pages, seen } = await walk('/review/overrides', /paging reason (\d+)/g);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.map(Number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
  });

  it('proposals: every one reachable, none twice, the status filter kept across pages', async () => {
    const { pages, seen } = await walk('/review/proposals?status=rejected', /paging_(\d+)/g);
    expect(pages).toBe(2);
    const ids = [...new Set(seen)];
    expect(ids.map(Number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
  });

  it('the costs page links its most expensive tickets to their ticket pages', async () => {
    const res = await get('/review/costs?days=90');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Most expensive tickets');
    expect(res.body).toMatch(/<a href="\/review\/tickets\/[^"]+\/[^"]+">[^<]+ #[^<]+<\/a>/);
  });

  it('trends: the (unassigned) and (none) groups filter to their tickets, not to nothing', async () => {
    // Two tickets lose their assignee and category (as tickets arrive from some help desks).
    await db.pool.query(
      `UPDATE ticket_index SET technician_key = NULL, technician = NULL, category = NULL
        WHERE id IN (SELECT id FROM ticket_index ORDER BY id LIMIT 2)`,
    );
    const f = {
      basis: 'graded' as const,
      since: new Date(0),
      until: new Date(Date.now() + 86_400_000),
    };
    const techs = await trendGroups(db.pool, f, 'technician');
    const unassigned = techs.find((g) => g.key === '(unassigned)');
    expect(unassigned?.tickets).toBe(2);
    const within = await trendGroups(db.pool, { ...f, technician: '(unassigned)' }, 'category');
    expect(within.map((g) => [g.key, g.tickets])).toEqual([['(none)', 2]]);
    const none = await trendGroups(db.pool, { ...f, category: '(none)' }, 'technician');
    expect(none.map((g) => [g.key, g.tickets])).toEqual([['(unassigned)', 2]]);
  });
});
