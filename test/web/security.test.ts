import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Seeded, seedReview } from './seed.js';
import { login, type ReviewServer, startReviewServer, USERS } from './server.js';

/**
 * Every /review route the server actually registered (collected by an
 * onRoute hook, Bull Board's included) refuses anonymous requests, and every
 * state-changing one refuses a post without the session's CSRF token.
 */

let db: TestDb;
let s: ReviewServer;
let seeded: Seeded;

beforeAll(async () => {
  db = await createTestDb();
  seeded = await seedReview(db.pool, new Date(), 8);
  s = await startReviewServer(db);
});
afterAll(async () => {
  await s?.close();
  await db?.drop();
});

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function requests(routes: RouteOptions[]): { method: string; url: string; route: RouteOptions }[] {
  const out: { method: string; url: string; route: RouteOptions }[] = [];
  for (const route of routes) {
    if (!route.url.startsWith('/review')) continue;
    const url = route.url
      .replace(/:queueName/g, 'qc')
      .replace(/:[A-Za-z_]+/g, '1')
      .replace(/\*/g, 'x');
    for (const method of [route.method].flat()) out.push({ method, url, route });
  }
  return out;
}

describe('every /review route', () => {
  it('is enumerated from the server, Bull Board included', () => {
    const urls = requests(s.routes).map((r) => r.url);
    expect(urls.length).toBeGreaterThan(30);
    expect(urls).toContain('/review/queues/api/queues');
    expect(urls).toContain('/review/escalations/1/resolve');
  });

  it('refuses anonymous requests, except the login form itself', async () => {
    for (const { method, url, route } of requests(s.routes)) {
      const res = await s.app.inject({
        method: method as 'GET',
        url,
        headers: { accept: 'text/html' },
      });
      if (route.config?.reviewPublic) {
        // The login form: GET shows it; its POST still needs the form's CSRF cookie.
        expect([200, 403], `${method} ${url}`).toContain(res.statusCode);
        if (method === 'POST') expect(res.statusCode, `${method} ${url}`).toBe(403);
        continue;
      }
      if (SAFE.has(method) && method !== 'OPTIONS') {
        expect(res.statusCode, `${method} ${url}`).toBe(302);
        expect(res.headers.location, `${method} ${url}`).toMatch(/^\/review\/login\?next=/);
      } else {
        expect(res.statusCode, `${method} ${url}`).toBe(401);
      }
      expect(res.body, `${method} ${url}`).not.toContain('ticket-qc review</a>');
    }
  });

  it('refuses state-changing requests without a valid CSRF token, even logged in as an admin', async () => {
    const { cookie, csrf } = await login(s, 'alice');
    let checked = 0;
    for (const { method, url } of requests(s.routes).filter((r) => !SAFE.has(r.method))) {
      for (const token of [undefined, 'forged-token', `${csrf.slice(0, -1)}x`]) {
        const res = await s.app.inject({
          method: method as 'POST',
          url,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({
            ...(token ? { _csrf: token } : {}),
            note: 'x',
            decision: 'approve',
          }).toString(),
        });
        expect(res.statusCode, `${method} ${url} token=${token}`).toBe(403);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
    const p = await db.pool.query('SELECT status FROM prompt_proposals WHERE id = $1', [
      seeded.proposalId,
    ]);
    expect(p.rows[0]?.status).toBe('pending');
    const e = await db.pool.query(
      "SELECT count(*)::int AS n FROM escalations WHERE status <> 'open'",
    );
    expect(e.rows[0]?.n).toBe(0);
  });

  it('lets the session token through, from a form field or the X-XSRF-TOKEN header', async () => {
    const { cookie, csrf } = await login(s, 'alice');
    const id = seeded.escalationIds[0];
    const res = await s.app.inject({
      method: 'POST',
      url: `/review/escalations/${id}/acknowledge`,
      headers: {
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
        'x-xsrf-token': csrf,
      },
      payload: 'note=on+it',
    });
    expect(res.statusCode).toBe(303);
    const e = await db.pool.query('SELECT status FROM escalations WHERE id = $1', [id]);
    expect(e.rows[0]?.status).toBe('acknowledged');
  });
});

describe('roles', () => {
  it('a reviewer cannot approve a proposal, resume the queue, use Bull Board actions or read the audit log', async () => {
    const { cookie, csrf } = await login(s, 'bob');
    const form = (payload: Record<string, string>) => ({
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, ...payload }).toString(),
    });
    const approve = await s.app.inject({
      method: 'POST',
      url: `/review/proposals/${seeded.proposalId}/decide`,
      ...form({ decision: 'approve' }),
    });
    expect(approve.statusCode).toBe(403);
    const resume = await s.app.inject({ method: 'POST', url: '/review/queue/resume', ...form({}) });
    expect(resume.statusCode).toBe(403);
    const board = await s.app.inject({
      method: 'PUT',
      url: '/review/queues/api/queues/qc/resume',
      headers: { cookie, 'x-xsrf-token': csrf, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(board.statusCode).toBe(403);
    const audit = await s.app.inject({ method: 'GET', url: '/review/audit', headers: { cookie } });
    expect(audit.statusCode).toBe(403);
    const restore = await s.app.inject({
      method: 'POST',
      url: '/review/context/restore',
      ...form({ file: 'rubric.md', version: '1' }),
    });
    expect(restore.statusCode).toBe(403);
    const p = await db.pool.query('SELECT status FROM prompt_proposals WHERE id = $1', [
      seeded.proposalId,
    ]);
    expect(p.rows[0]?.status).toBe('pending');
  });

  it('a wrong password is refused and audited; logging out ends the session', async () => {
    const form = await s.app.inject({ method: 'GET', url: '/review/login' });
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const bad = await s.app.inject({
      method: 'POST',
      url: '/review/login',
      headers: {
        cookie: form.cookies.map((c) => `${c.name}=${c.value}`).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({
        _csrf: token,
        username: 'alice',
        password: 'nope-nope',
      }).toString(),
    });
    expect(bad.statusCode).toBe(401);
    const { cookie, csrf } = await login(s, 'alice');
    const out = await s.app.inject({
      method: 'POST',
      url: '/review/logout',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${csrf}`,
    });
    expect(out.statusCode).toBe(303);
    const after = await s.app.inject({
      method: 'GET',
      url: '/review/escalations',
      headers: { cookie },
    });
    expect(after.statusCode).toBe(401);
    const failed = await db.pool.query(
      "SELECT count(*)::int AS n FROM review_audit WHERE action = 'login.failed'",
    );
    expect(failed.rows[0]?.n).toBeGreaterThan(0);
  });
});

async function loginForm(next?: string) {
  const form = await s.app.inject({
    method: 'GET',
    url: `/review/login${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`,
  });
  return {
    body: form.body,
    token: /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '',
    cookie: form.cookies.map((c) => `${c.name}=${c.value}`).join('; '),
  };
}

async function postLogin(fields: Record<string, string>) {
  const f = await loginForm();
  return s.app.inject({
    method: 'POST',
    url: '/review/login',
    headers: { cookie: f.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: f.token, ...fields }).toString(),
  });
}

describe('hostile input', () => {
  it('no other site may frame the pages (one click approves or resumes)', async () => {
    const { cookie } = await login(s, 'alice');
    for (const res of [
      await s.app.inject({ method: 'GET', url: '/review/login' }),
      await s.app.inject({
        method: 'GET',
        url: `/review/proposals/${seeded.proposalId}`,
        headers: { cookie },
      }),
    ]) {
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });

  it('a wrong name of any size or byte is refused with 401 and audited bounded, never a 500', async () => {
    for (const username of ['n'.repeat(900_000), 'eve\u0000\u001b[2J']) {
      const res = await postLogin({ username, password: 'whatever-it-is' });
      expect(res.statusCode, username.slice(0, 20)).toBe(401);
    }
    const a = await db.pool.query<{ actor: string }>(
      "SELECT actor FROM review_audit WHERE action = 'login.failed' AND (actor LIKE 'nnn%' OR actor LIKE 'eve%')",
    );
    expect(a.rows.map((r) => r.actor).sort()).toEqual(['eve\ufffd\ufffd[2J', 'n'.repeat(128)]);
  });

  it('next= that cannot be a Location header falls back to the escalations page', async () => {
    for (const next of [
      '/review/escalations\r\nSet-Cookie: x=1',
      '/review/\u65e5\u672c',
      '/review/\\evil',
    ]) {
      const form = await loginForm(next);
      expect(form.body).toContain('name="next" value="/review/escalations"');
      const res = await postLogin({ username: 'bob', password: USERS.bob.password, next });
      expect(res.statusCode, JSON.stringify(next)).toBe(303);
      expect(res.headers.location).toBe('/review/escalations');
    }
  });

  it('repeated query keys, and values PostgreSQL refuses, are never a 500', async () => {
    const { cookie } = await login(s, 'alice');
    for (const url of [
      '/review/results/lookup?ref=1&ref=2',
      '/review/results/lookup?ref=99999999999999999999',
      '/review/results/lookup?ref=%00',
      '/review/escalations?rule=%00',
      '/review/context/versions?file=rubric.md&version=abc',
      '/review/context/versions?file=rubric.md&version=1.5',
      '/review/context/versions?file=%00',
      '/review/audit?actor=a%00',
    ]) {
      const res = await s.app.inject({
        method: 'GET',
        url,
        headers: { cookie, accept: 'text/html' },
      });
      expect(res.statusCode, `${url}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
    }
  });
});

describe('without REVIEW_USERS or SESSION_SECRET', () => {
  it('serves nothing under /review but a 503 that says what to set', async () => {
    const off = await startReviewServer(db, { REVIEW_USERS: '', SESSION_SECRET: '' });
    try {
      for (const url of ['/review', '/review/escalations', '/review/queues']) {
        const res = await off.app.inject({ method: 'GET', url });
        expect(res.statusCode, url).toBe(503);
        expect(res.json().error).toContain('SESSION_SECRET');
      }
    } finally {
      await off.close();
    }
  });
});
