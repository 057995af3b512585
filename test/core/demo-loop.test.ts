import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../workers/demo.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';

/**
 * `npm run demo` shows the loop (issue 11, point 8): grading, then one chief
 * pass and what it made with the command to review it; `demo --keep` (and
 * `ticket-qc dev`) leaves the simulator, a worker and the API running with a
 * printed login that works on the review pages. No key, no base URL: the
 * demo starts its own simulator (its answers come from context/ rules, never
 * from gold labels).
 */

let db: TestDb;
const prefix = testPrefix();
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await cleanPrefix(prefix);
  await db?.drop();
});

describe('demo --keep', () => {
  it('grades, runs one chief pass, prints the proposals, then serves the review pages with a working login', async () => {
    const lines: string[] = [];
    let release: () => void = () => undefined;
    const until = new Promise<void>((r) => {
      release = r;
    });
    let ready: { url: string; user: string; password: string } | undefined;
    let checked: { login: number; page: string } | undefined;
    const config = testConfig({
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      PORT: '0',
      ANTHROPIC_API_KEY: '',
      ANTHROPIC_BASE_URL: '',
    });
    const code = await runDemo(config, {
      file: 'examples/tickets.jsonl',
      keep: true,
      until,
      out: (l) => lines.push(l),
      onReady: (r) => {
        ready = r;
        // Sign in as a newcomer would, then read the proposals page.
        void (async () => {
          try {
            const form = await fetch(`${r.url}/login`);
            const jar = (form.headers.getSetCookie?.() ?? [])
              .map((c) => c.split(';')[0])
              .join('; ');
            const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
            const login = await fetch(`${r.url}/login`, {
              method: 'POST',
              headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ _csrf: token, username: r.user, password: r.password }),
              redirect: 'manual',
            });
            const session = [
              jar,
              ...(login.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]),
            ]
              .filter(Boolean)
              .join('; ');
            const page = await fetch(`${r.url}/proposals?status=all`, {
              headers: { cookie: session },
            });
            checked = { login: login.status, page: await page.text() };
          } finally {
            release();
          }
        })();
      },
    });
    const text = lines.join('\n');
    expect(code).toBe(0);
    expect(lines[0]).toMatch(
      /^No ANTHROPIC_API_KEY set: grading against the local Anthropic API simulator/,
    );
    expect(text).toMatch(/Chief of staff: one pass over the failures just recorded/);
    expect(text).toMatch(/repeated failure\(s\) found; \d+ proposal\(s\) offered for review/);
    expect(text).toMatch(/Review: `ticket-qc proposals show \d+`/);
    expect(text).toMatch(/Log in as "lead" with password \S+ \(an admin for this session only\)/);
    expect(ready?.password).toBeTruthy();
    expect(text).toContain(ready?.password ?? 'x');
    expect(checked?.login).toBe(303);
    expect(checked?.page).toMatch(/System health/);
    expect(checked?.page).toMatch(/Proposal|proposals/);
    // The pass stored what it printed.
    const pending = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM prompt_proposals WHERE status = 'pending'",
    );
    expect(pending.rows[0]?.n).toBeGreaterThan(0);
  }, 120_000);
});
