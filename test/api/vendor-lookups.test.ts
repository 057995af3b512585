import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scorecards } from '../../src/db/technicians.js';
import { Ticket } from '../../src/ticket/schema.js';
import { deliver, fixture, type Harness, startHarness } from './helpers.js';

/**
 * Names, not ids: with API credentials configured, the ids vendors send are
 * looked up (once — then cached) on a local stand-in of each vendor's API;
 * and scorecards group technicians by a stable person key.
 */

// What the stand-in answers, path → body. Shapes as the vendors document them.
const ANSWERS: Record<string, unknown> = {
  // ServiceNow Table API: GET /api/now/table/<table>/<sys_id>?sysparm_display_value=true
  '/api/now/table/sys_user/5b7c200d0a640069006b3845b5d0fa7c': {
    result: {
      name: 'Don Goodliffe',
      email: 'don.goodliffe@example.com',
      user_name: 'don.goodliffe',
    },
  },
  '/api/now/table/sys_user/681b365ec0a80164000fb0b05854a0cd': {
    result: { name: 'ITIL User', email: 'itil@example.com', user_name: 'itil' },
  },
  '/api/now/table/core_company/31bea3d53790200044e0bfc8bcbe5dec': {
    result: { name: 'ACME North America' },
  },
  '/api/now/table/sys_user_group/8a5055c9c61122780043563ef53438e3': {
    result: { name: 'Hardware' },
  },
  '/api/now/table/sys_user': {
    result: [
      {
        sys_id: '6816f79cc0a8016401c5a33be04be441',
        name: 'System Administrator',
        user_name: 'admin',
      },
    ],
  },
  // Freshdesk API v2
  '/api/v2/contacts/23003607772': {
    id: 23003607772,
    name: 'Rachel Renewals',
    email: 'rachel@client.example',
  },
  '/api/v2/agents/23001614074': {
    id: 23001614074,
    contact: { name: 'Sam Support', email: 'sam@msp.example' },
  },
  '/api/v2/companies/23000123456': { id: 23000123456, name: 'Client Example Ltd' },
  '/api/v2/groups/23000296332': { id: 23000296332, name: 'Billing' },
  '/api/v2/tickets/248727/conversations': [],
  // Zendesk
  '/api/v2/users/show_many.json': {
    users: [
      { id: 8447388090111, name: 'Priya Shah', email: 'priya.shah@example.com' },
      { id: 8447388090494, name: 'Dana Tech', email: 'dana@msp.example' },
    ],
  },
  '/api/v2/organizations/8447346622462.json': {
    organization: { id: 8447346622462, name: 'Client Example Ltd' },
  },
};

describe('vendor API lookups', () => {
  let server: Server;
  let h: Harness;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      seen.push(path);
      const body = ANSWERS[path];
      // The thread fetch fails: the ticket is stored thread-incomplete, names still resolved.
      if (body === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    h = await startHarness({
      env: {
        SERVICENOW_INSTANCE_URL: base,
        SERVICENOW_USER: 'qc-lookup',
        SERVICENOW_PASSWORD: 'pw',
        FRESHDESK_API_BASE_URL: base,
        FRESHDESK_API_KEY: 'fd-key',
        ZENDESK_API_BASE_URL: base,
        ZENDESK_API_TOKEN: 'zd-token',
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await new Promise((r) => server.close(r));
  });

  async function stored(res: { json(): { ticketId: number } }) {
    const r = await h.db.pool.query<{ ticket: unknown }>(
      'SELECT ticket FROM tickets WHERE id = $1',
      [res.json().ticketId],
    );
    return Ticket.parse(r.rows[0]?.ticket);
  }

  it('servicenow {link,value} references → names; the headerless comment → its updater', async () => {
    const res = await deliver(h, 'servicenow', fixture('servicenow/journal-no-headers.json'));
    expect(res.statusCode, res.body).toBe(202);
    const t = await stored(res);
    expect(t.requester).toEqual({
      id: '5b7c200d0a640069006b3845b5d0fa7c',
      name: 'Don Goodliffe',
      email: 'don.goodliffe@example.com',
    });
    expect(t.assignee).toMatchObject({ id: '681b365ec0a80164000fb0b05854a0cd', name: 'ITIL User' });
    expect(t.organization).toBe('ACME North America');
    expect(t.organizationId).toBe('31bea3d53790200044e0bfc8bcbe5dec');
    expect(t.customFields.assignment_group).toBe('Hardware');
    expect(t.comments[0]).toMatchObject({
      author: 'System Administrator',
      authorId: 'admin',
      body: 'Elevating urgency, this is a blocking issue',
    });
  });

  it('freshdesk API v2 ids → names (contact, agent, company, group)', async () => {
    const res = await deliver(h, 'freshdesk', fixture('freshdesk/api-ticket-assigned.json'));
    expect(res.statusCode, res.body).toBe(202);
    const t = await stored(res);
    expect(t.requester).toEqual({
      id: '23003607772',
      name: 'Rachel Renewals',
      email: 'rachel@client.example',
    });
    expect(t.assignee).toEqual({
      id: '23001614074',
      name: 'Sam Support',
      email: 'sam@msp.example',
    });
    expect(t.organization).toBe('Client Example Ltd');
    expect(t.customFields.group).toBe('Billing');
    // The conversations were fetched (an empty list): the thread is complete.
    expect(t.threadIncomplete).toBe(false);
  });

  it('zendesk user and organization ids → names, asked once and then cached', async () => {
    const res = await deliver(h, 'zendesk', fixture('zendesk/status-changed.json'));
    expect(res.statusCode, res.body).toBe(202);
    const t = await stored(res);
    expect(t.requester).toEqual({
      id: '8447388090111',
      name: 'Priya Shah',
      email: 'priya.shah@example.com',
    });
    expect(t.assignee).toMatchObject({ name: 'Dana Tech' });
    expect(t.organization).toBe('Client Example Ltd');
    const lookups = () =>
      seen.filter((p) => p.includes('show_many') || p.includes('/organizations/')).length;
    const before = lookups();
    const again = fixture('zendesk/status-changed.json').replace('cbe4028c', 'ebe4028c');
    expect((await deliver(h, 'zendesk', again)).statusCode).toBe(202);
    expect(lookups()).toBe(before);
  });

  it('scorecards group by the person key: a technician known by id is one card with their name', async () => {
    const later = fixture('zendesk/status-changed.json')
      .replace('cbe4028c', 'fbe4028c')
      .replace('"updated_at": "2026-10-05T10:41:55Z"', '"updated_at": "2026-10-05T11:00:00Z"');
    expect((await deliver(h, 'zendesk', later)).json().newVersion).toBe(true);
    const rows = await h.db.pool.query<{ id: number; assignee_key: string | null }>(
      `SELECT id, assignee_key FROM tickets WHERE source = 'zendesk' ORDER BY id`,
    );
    expect(rows.rows.every((r) => r.assignee_key === 'zendesk:id:8447388090494')).toBe(true);
    // Two graded versions: one stored before the name was known ("unknown"), one after.
    await h.db.pool.query(`UPDATE tickets SET assignee = 'unknown' WHERE id = $1`, [
      rows.rows[0]?.id,
    ]);
    for (const r of rows.rows)
      await h.db.pool.query(
        `INSERT INTO qc_results (ticket_id, context_version, outcome, score, confidence, verdict, model, tier)
         VALUES ($1, 'ctx', 'pass', 90, 0.9, '{"criteria": []}', 'm', 'base')`,
        [r.id],
      );
    const cards = await scorecards(h.db.pool, {
      since: new Date(Date.now() - 3_600_000),
      until: new Date(Date.now() + 3_600_000),
    } as never);
    const zd = cards.filter((c) => c.key.startsWith('zendesk:'));
    expect(zd).toHaveLength(1);
    expect(rows.rows).toHaveLength(2);
    // Two graded versions of one ticket count once: its latest result (issue 11).
    expect(zd[0]).toMatchObject({
      assignee: 'Dana Tech',
      key: 'zendesk:id:8447388090494',
      graded: 1,
    });
  });
});
