import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type ReviewServer, startReviewServer, USERS } from './server.js';

// Defect 8 of issue 10: lockout keyed on (IP, name) let anyone behind the same
// proxy lock an admin out; spraying invented names cost one scrypt and one
// audit row each; the pages sent no full CSP, HSTS or Referrer-Policy.
// Everything here goes over real HTTP to a listening server.

let db: TestDb | undefined;
let s: ReviewServer | undefined;
afterEach(async () => {
  await s?.close();
  await db?.drop();
  s = undefined;
  db = undefined;
});

async function start(env: Record<string, string> = {}) {
  db = await createTestDb();
  s = await startReviewServer(db, env);
  return s;
}

/** A browser: keeps its cookies across requests. */
function browser(server: ReviewServer) {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair?.indexOf('=') ?? -1;
      if (pair && i > 0) jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    async get(path: string, headers: Record<string, string> = {}) {
      const res = await fetch(server.url + path, {
        headers: { cookie: cookie(), ...headers },
        redirect: 'manual',
      });
      keep(res);
      return res;
    },
    async login(username: string, password: string) {
      const form = await this.get('/review/login');
      const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
      const res = await fetch(`${server.url}/review/login`, {
        method: 'POST',
        headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: token, username, password }).toString(),
        redirect: 'manual',
      });
      keep(res);
      return {
        status: res.status,
        body: await res.text(),
        retryAfter: res.headers.get('retry-after'),
      };
    },
  };
}

describe('login throttling', () => {
  it('a name backs off exponentially; a browser that signed in before still gets in', async () => {
    const srv = await start();
    const lead = browser(srv);
    expect((await lead.login('alice', USERS.alice.password)).status).toBe(303);
    const attacker = browser(srv);
    for (let i = 0; i < 3; i++)
      expect((await attacker.login('alice', 'guess-guess')).status).toBe(401);
    // Now alice is backing off: even the right password from a new browser waits.
    const held = await attacker.login('alice', USERS.alice.password);
    expect(held.status).toBe(401);
    expect(held.body).toContain('Too many failed attempts');
    expect(Number(held.retryAfter)).toBeGreaterThanOrEqual(1);
    // The lead's browser is known: the correct password still passes (and clears the backoff).
    expect((await lead.login('alice', USERS.alice.password)).status).toBe(303);
    // The backoff doubles with each failure after the free ones, and expires.
    for (let i = 0; i < 3; i++) await attacker.login('alice', 'guess-guess');
    expect((await attacker.login('alice', 'guess-guess')).retryAfter).toBe('1');
    srv.clock.now = new Date(srv.clock.now.getTime() + 1_500);
    expect((await attacker.login('alice', 'guess-guess')).status).toBe(401); // a 4th real try
    expect((await attacker.login('alice', 'guess-guess')).retryAfter).toBe('2');
    srv.clock.now = new Date(srv.clock.now.getTime() + 2_500);
    expect((await browser(srv).login('alice', USERS.alice.password)).status).toBe(303);
  });

  it('one address spraying invented names is limited across names, with no scrypt per try', async () => {
    const srv = await start({ LOGIN_IP_LIMIT: '10', LOGIN_FREE_FAILURES: '10' });
    const b = browser(srv);
    const cpu = (run: () => Promise<unknown>) => async () => {
      const before = process.cpuUsage();
      await run();
      const d = process.cpuUsage(before);
      return d.user + d.system;
    };
    // Five wrong passwords for a real name: five scrypts.
    const real = await cpu(async () => {
      for (let i = 0; i < 5; i++) await b.login('alice', 'wrong-password');
    })();
    // Five invented names: refused without scrypt, yet not faster to answer.
    const started = performance.now();
    const sprayed = await cpu(async () => {
      for (let i = 0; i < 5; i++)
        expect((await b.login(`ghost${i}`, 'whatever-x')).status).toBe(401);
    })();
    expect(sprayed).toBeLessThan(real / 2);
    expect(performance.now() - started).toBeGreaterThan(5 * 10);
    // Ten failures from this address: every name is held back, real ones too.
    const blocked = await b.login('ghost-next', 'whatever-x');
    expect(blocked.body).toContain('Too many failed attempts');
    expect((await b.login('bob', USERS.bob.password)).status).toBe(401);
  });

  it('failed logins are audited one row per burst, with a count', async () => {
    const srv = await start();
    const b = browser(srv);
    for (let i = 0; i < 3; i++) await b.login('alice', 'guess-guess');
    for (let i = 0; i < 4; i++) await b.login('alice', 'guess-guess'); // held back: its own burst
    const rows = await (db as TestDb).pool.query<{ action: string; details: { count: number } }>(
      `SELECT action, details FROM review_audit WHERE action LIKE 'login.%' ORDER BY id`,
    );
    expect(rows.rows.map((r) => [r.action, r.details.count])).toEqual([
      ['login.failed', 3],
      ['login.blocked', 4],
    ]);
  });
});

describe('security headers', () => {
  it('a full CSP without inline script, and Referrer-Policy same-origin', async () => {
    const srv = await start();
    const b = browser(srv);
    await b.login('alice', USERS.alice.password);
    for (const path of [
      '/review/login',
      '/review/escalations',
      '/review/technicians',
      '/review/queues',
    ]) {
      const res = await b.get(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(/script-src[^;]*unsafe-inline/.test(csp), path).toBe(false);
      expect(res.headers.get('referrer-policy'), path).toBe('same-origin');
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
      const body = await res.text();
      // No inline script the CSP would block (JSON data blocks are not scripts).
      const inline = [...body.matchAll(/<script(?![^>]*\bsrc=)([^>]*)>/g)].filter(
        (m) => !/type="application\/json"/.test(m[1] ?? ''),
      );
      expect(inline, path).toEqual([]);
      // Inline event handlers only when their hash is in the policy.
      for (const m of body.matchAll(/\son[a-z]+="([^"]*)"/g)) {
        const js = (m[1] ?? '').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
        const hash = createHash('sha256').update(js).digest('base64');
        expect(csp, `${path}: ${js}`).toContain(`'sha256-${hash}'`);
      }
    }
  });

  it('Strict-Transport-Security when TRUST_PROXY says the request came over HTTPS', async () => {
    const srv = await start({ TRUST_PROXY: 'true' });
    const b = browser(srv);
    const https = await b.get('/review/login', { 'x-forwarded-proto': 'https' });
    expect(https.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
    const http = await b.get('/review/login', { 'x-forwarded-proto': 'http' });
    expect(http.headers.get('strict-transport-security')).toBeNull();
  });
});
