import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ticket } from '../../src/ticket/schema.js';
import { deliver, fixture, type Harness, startHarness, ticketRows } from './helpers.js';

/** Every vendor fixture, delivered signed over HTTP, is stored as exactly the expected canonical Ticket. */

// One fixture per documented shape; where each comes from is in
// test/fixtures/webhooks/README.md. Order matters where a delivery changes a
// stored ticket (the Jira Server comment needs its issue stored first).
const CASES: [source: string, name: string][] = [
  ['zendesk', 'status-changed'],
  ['zendesk', 'comment-added'],
  ['zendesk', 'created-minimal'],
  ['zendesk', 'created-full'],
  ['zendesk', 'comment-added-dust'],
  ['zendesk', 'status-changed-sparse'],
  ['jira', 'issue-resolved'],
  ['jira', 'issue-created-adf'],
  ['jira', 'server-issue-updated'],
  ['jira', 'server-comment-created'],
  ['freshdesk', 'simple-resolved'],
  ['freshdesk', 'rest-closed'],
  ['freshdesk', 'simple-zulip-status-changed'],
  ['freshdesk', 'api-ticket-bare'],
  ['freshdesk', 'api-ticket-wrapped'],
  ['freshdesk', 'api-ticket-assigned'],
  ['servicenow', 'incident-resolved'],
  ['servicenow', 'incident-display-values'],
  ['servicenow', 'table-api-wrapped'],
  ['servicenow', 'table-api-raw'],
  ['servicenow', 'table-api-assigned'],
  ['servicenow', 'journal-no-headers'],
  ['servicenow', 'display-value-true'],
  ['servicenow', 'display-value-all'],
  ['generic', 'ticket'],
];

const RECEIPT = '(time of receipt)';

/**
 * The expected ticket, with the times ticket-qc fills at receipt (flagged in
 * `filled`) written as "(time of receipt)": they must lie within the delivery.
 */
function expectedTicket(text: string, stored: Ticket, from: number, to: number): Ticket {
  const want = JSON.parse(text) as Record<string, unknown>;
  for (const key of ['updatedAt', 'createdAt', 'closedAt'] as const) {
    if (want[key] !== RECEIPT) continue;
    const at = Date.parse(stored[key] ?? '');
    expect(at, key).toBeGreaterThanOrEqual(from - 1);
    expect(at, key).toBeLessThanOrEqual(to + 1);
    want[key] = stored[key];
  }
  return Ticket.parse(want);
}

/** UPDATE_FIXTURES=1 rewrites the expected files from what is stored (review the diff!). */
function writeExpected(path: string, t: Ticket, started: number, ended: number) {
  const out: Record<string, unknown> = { ...t };
  for (const key of ['updatedAt', 'createdAt', 'closedAt'] as const) {
    const at = Date.parse(t[key] ?? '');
    if (at >= started - 1 && at <= ended + 1) out[key] = RECEIPT;
  }
  writeFileSync(
    new URL(`../fixtures/webhooks/${path}`, import.meta.url),
    `${JSON.stringify(out, null, 2)}\n`,
  );
}

async function storedTicket(h: Harness, id: number) {
  const r = await h.db.pool.query<{ ticket: unknown }>('SELECT ticket FROM tickets WHERE id = $1', [
    id,
  ]);
  return Ticket.parse(r.rows[0]?.ticket);
}

describe('vendor fixtures → canonical tickets', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  for (const [source, name] of CASES) {
    it(`${source}/${name}`, async () => {
      const from = Date.now();
      const res = await deliver(h, source, fixture(`${source}/${name}.json`));
      const to = Date.now();
      expect(res.statusCode, res.body).toBe(202);
      const body = res.json();
      expect(body.status).toBe('accepted');
      const stored = await storedTicket(h, body.ticketId);
      if (process.env.UPDATE_FIXTURES)
        writeExpected(`${source}/${name}.ticket.json`, stored, from, to);
      const expected = expectedTicket(fixture(`${source}/${name}.ticket.json`), stored, from, to);
      expect(stored).toEqual(expected);
    });
  }

  it('acknowledges vendor events that carry no ticket version, storing nothing', async () => {
    const before = (await ticketRows(h)).length;
    for (const [source, body] of [
      ['zendesk', fixture('zendesk/user-created.json')],
      // A comment on an issue of which no version is stored (test/ingest/jira-comments.test.ts).
      ['jira', fixture('jira/comment-created.json').replaceAll('HD-342', 'HD-7001')],
    ] as const) {
      const res = await deliver(h, source, body);
      expect(res.statusCode).toBe(202);
      expect(res.json().status).toBe('ignored');
    }
    expect((await ticketRows(h)).length).toBe(before);
  });
});

describe('zendesk with the Tickets API configured', () => {
  let h: Harness;
  let server: Server;
  const seen: { url: string; authorization: string | undefined }[] = [];

  beforeAll(async () => {
    // A stand-in that answers as GET /api/v2/tickets/{id}/comments.json does, with cursor pagination.
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const page = (req.url ?? '').includes('page%5Bafter%5D=xyz')
        ? 'comments-api-page2.json'
        : 'comments-api-page.json';
      if (!(req.url ?? '').startsWith('/api/v2/tickets/5158/comments.json')) {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(fixture(`zendesk/${page}`).replaceAll('{{BASE}}', base));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    h = await startHarness({
      env: {
        ZENDESK_API_BASE_URL: `http://127.0.0.1:${port}`,
        ZENDESK_API_TOKEN: 'zd-api-token',
        ZENDESK_EMAIL: 'qc-bot@msp.example',
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await new Promise((r) => server.close(r));
  });

  it('fetches the whole thread (all pages) before storing, with API-token auth', async () => {
    const res = await deliver(h, 'zendesk', fixture('zendesk/status-changed.json'));
    expect(res.statusCode, res.body).toBe(202);
    const t = await storedTicket(h, res.json().ticketId);
    expect(t.threadIncomplete).toBe(false);
    // The first comment repeats the description and is kept once, as the description.
    expect(t.comments).toEqual([
      {
        author: 'Dana Tech',
        role: 'agent',
        public: false,
        body: 'GlobalProtect 6.0.4 is incompatible with KB5031356. Upgraded the client to 6.1.2 remotely.',
        at: '2026-10-05T09:30:00.000Z',
      },
      {
        author: 'Priya Shah',
        role: 'customer',
        public: true,
        body: 'Works again, thank you!',
        at: '2026-10-05T10:40:00.000Z',
      },
    ]);
    expect(t.requester).toEqual({
      id: '8447388090111',
      name: 'Priya Shah',
      email: 'priya.shah@example.com',
    });
    // Two pages of comments (which name every person), then the organisation's name.
    expect(seen.map((s) => s.url.split('?')[0])).toEqual([
      '/api/v2/tickets/5158/comments.json',
      '/api/v2/tickets/5158/comments.json',
      '/api/v2/organizations/8447346622462.json',
    ]);
    expect(seen[0]?.authorization).toBe(
      `Basic ${Buffer.from('qc-bot@msp.example/token:zd-api-token').toString('base64')}`,
    );
  });

  it('stores the ticket as thread-incomplete when the API fails', async () => {
    const body = fixture('zendesk/status-changed.json')
      .replaceAll('"5158"', '"5999"')
      .replace('zen:ticket:5158', 'zen:ticket:5999')
      .replace('cbe4028c', 'dbe4028c');
    const res = await deliver(h, 'zendesk', body);
    expect(res.statusCode).toBe(202);
    const t = await storedTicket(h, res.json().ticketId);
    expect(t.threadIncomplete).toBe(true);
    expect(t.comments).toEqual([]);
  });
});
