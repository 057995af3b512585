import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THREAD_DEADLINE_MS } from '../../src/api/sources/zendesk-api.js';
import { loadConfig } from '../../src/config.js';
import { Ticket } from '../../src/ticket/schema.js';
import { deliver, fixture, type Harness, startHarness, ticketRows } from './helpers.js';

/**
 * The Zendesk comment thread is read before we answer the webhook, and Zendesk
 * gives up on a webhook after about 10 seconds: the read has one deadline for
 * all its pages, after which the ticket is stored with the comments read so
 * far, thread-incomplete. Against a stand-in Tickets API that is slow (every
 * page takes 2.5 s, and there is always a next page) or fails part-way.
 */

const PAGE_DELAY_MS = 2_500;
const DEADLINE_MS = 3_000;
const ZENDESK_GIVES_UP_MS = 10_000;

/** The status-changed event for another ticket id (and its own event id). */
function eventFor(ticketId: string): string {
  return fixture('zendesk/status-changed.json')
    .replaceAll('"5158"', `"${ticketId}"`)
    .replace('zen:ticket:5158', `zen:ticket:${ticketId}`)
    .replace('cbe4028c', `${ticketId}abcd`.slice(0, 8));
}

/** Page n (from 1) of a thread that never ends: one comment per page, always a next link. */
function page(base: string, ticketId: string, n: number) {
  return {
    comments: [
      {
        id: 9000 + n,
        author_id: 8447388090494,
        public: n % 2 === 0,
        body: `Comment number ${n}`,
        plain_body: `Comment number ${n}`,
        created_at: `2026-10-05T09:${String(n).padStart(2, '0')}:00Z`,
      },
    ],
    users: [{ id: 8447388090494, name: 'Dana Tech', email: 'dana@msp.example', role: 'agent' }],
    meta: { has_more: true, after_cursor: `p${n + 1}` },
    links: {
      next: `${base}/api/v2/tickets/${ticketId}/comments.json?include=users&page%5Bsize%5D=100&page%5Bafter%5D=p${n + 1}`,
    },
  };
}

async function storedTicket(h: Harness, id: number) {
  const r = await h.db.pool.query<{ ticket: unknown }>('SELECT ticket FROM tickets WHERE id = $1', [
    id,
  ]);
  return Ticket.parse(r.rows[0]?.ticket);
}

describe('zendesk thread fetch deadline', () => {
  let h: Harness;
  let server: Server;
  const requests: string[] = [];
  const warnings: { ticketId?: string; reason?: string; pagesRead?: number; msg: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = req.url ?? '';
      requests.push(url);
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const m = /^\/api\/v2\/tickets\/(\d+)\/comments\.json/.exec(url);
      const n = Number(/page%5Bafter%5D=p(\d+)/.exec(url)?.[1] ?? 1);
      const answer = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (m?.[1] === '5801') {
        // Slow: each page alone is well within the per-page timeout; all of them are not.
        const timer = setTimeout(() => {
          if (!res.destroyed) answer(page(base, '5801', n));
        }, PAGE_DELAY_MS);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      if (m?.[1] === '5802') {
        // Fails part-way: page 2 is a server error.
        if (n >= 2) res.writeHead(500).end();
        else answer(page(base, '5802', n));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void warnings.push(JSON.parse(line)) },
    );
    h = await startHarness({
      logger,
      env: {
        ZENDESK_API_BASE_URL: `http://127.0.0.1:${port}`,
        ZENDESK_API_TOKEN: 'zd-api-token',
        ZENDESK_EMAIL: 'qc-bot@msp.example',
        // Shorter than the default so the test waits 3 s, not 7; the default is checked below.
        ZENDESK_THREAD_DEADLINE: `${DEADLINE_MS}ms`,
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('is a named deadline well inside Zendesk’s ~10 s', () => {
    expect(THREAD_DEADLINE_MS).toBeLessThanOrEqual(8_000);
    expect(THREAD_DEADLINE_MS).toBeGreaterThanOrEqual(3_000);
    expect(loadConfig({}).ZENDESK_THREAD_DEADLINE).toBe(THREAD_DEADLINE_MS);
    expect(() => loadConfig({ ZENDESK_THREAD_DEADLINE: '12s' })).toThrow(/Zendesk gives up/);
  });

  it('a slow API: answered 202 before Zendesk gives up, stored with the pages read, thread-incomplete', async () => {
    const started = Date.now();
    const res = await deliver(h, 'zendesk', eventFor('5801'));
    const elapsed = Date.now() - started;
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ status: 'accepted', newVersion: true });
    // Without the deadline this would take 20 pages × 2.5 s.
    expect(elapsed).toBeLessThan(ZENDESK_GIVES_UP_MS);

    const t = await storedTicket(h, res.json().ticketId);
    expect(t.externalId).toBe('5801');
    expect(t.threadIncomplete).toBe(true);
    // What was read is kept, in order: a prefix of the endless thread.
    expect(t.comments.length).toBeGreaterThanOrEqual(1);
    expect(t.comments.length).toBeLessThan(requests.filter((u) => u.includes('/5801/')).length);
    expect(t.comments.map((c) => c.body)).toEqual(
      t.comments.map((_, i) => `Comment number ${i + 1}`),
    );
    expect(t.comments[0]).toEqual({
      author: 'Dana Tech',
      role: 'agent',
      public: false,
      body: 'Comment number 1',
      at: '2026-10-05T09:01:00.000Z',
    });
    expect(t.assignee).toEqual({
      id: '8447388090494',
      name: 'Dana Tech',
      email: 'dana@msp.example',
    });
    expect((await ticketRows(h, 'zendesk')).filter((r) => r.external_id === '5801')).toHaveLength(
      1,
    );
    const warned = warnings.filter((w) => w.ticketId === '5801');
    expect(warned).toHaveLength(1);
    expect(warned[0]?.reason).toBe(`the ${DEADLINE_MS} ms deadline for the whole thread passed`);
    expect(warned[0]?.pagesRead).toBe(t.comments.length);
  });

  it('an API that fails part-way: stored with the pages read before the failure, thread-incomplete', async () => {
    const res = await deliver(h, 'zendesk', eventFor('5802'));
    expect(res.statusCode, res.body).toBe(202);
    const t = await storedTicket(h, res.json().ticketId);
    expect(t.threadIncomplete).toBe(true);
    expect(t.comments.map((c) => c.body)).toEqual(['Comment number 1']);
  });
});
