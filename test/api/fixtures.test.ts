import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ticket } from '../../src/ticket/schema.js';
import { deliver, fixture, type Harness, startHarness, ticketRows } from './helpers.js';

/** Every vendor fixture, delivered signed over HTTP, is stored as exactly the expected canonical Ticket. */

const CASES: [source: string, name: string][] = [
  ['zendesk', 'status-changed'],
  ['zendesk', 'comment-added'],
  ['jira', 'issue-resolved'],
  ['jira', 'issue-created-adf'],
  ['freshdesk', 'simple-resolved'],
  ['freshdesk', 'rest-closed'],
  ['servicenow', 'incident-resolved'],
  ['servicenow', 'incident-display-values'],
  ['generic', 'ticket'],
];

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
      const res = await deliver(h, source, fixture(`${source}/${name}.json`));
      expect(res.statusCode, res.body).toBe(202);
      const body = res.json();
      expect(body.status).toBe('accepted');
      const expected = Ticket.parse(JSON.parse(fixture(`${source}/${name}.ticket.json`)));
      expect(await storedTicket(h, body.ticketId)).toEqual(expected);
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
    expect(seen).toHaveLength(2);
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
