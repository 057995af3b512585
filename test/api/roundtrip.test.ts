import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ticket } from '../../src/ticket/schema.js';
import { loadExamples } from '../helpers/pipeline.js';
import {
  DEMO_SOURCES,
  deliverAsWebhooks,
  signedDelivery,
} from '../helpers/webhook-demo/deliver.js';
import { type Harness, SECRETS, startHarness } from './helpers.js';

/**
 * The example tickets, each encoded as every vendor would send it and
 * delivered signed: every one is accepted, and what each vendor can carry
 * arrives intact. (This is also what the demo uses.)
 */

// Statuses a vendor has no word for arrive as its nearest one.
const LOSSY_STATUS: Partial<Record<string, Partial<Record<Ticket['status'], Ticket['status']>>>> = {
  zendesk: { cancelled: 'closed' },
  freshdesk: { new: 'open', on_hold: 'pending', cancelled: 'closed' },
  servicenow: { pending: 'on_hold' },
};

describe('examples delivered as every vendor', () => {
  let h: Harness;
  let examples: Ticket[];
  beforeAll(async () => {
    h = await startHarness();
    examples = (await loadExamples(40)).map((r) => r.ticket);
  });
  afterAll(() => h.close());

  const stored = async (id: number) => {
    const r = await h.db.pool.query<{ ticket: unknown }>(
      'SELECT ticket FROM tickets WHERE id = $1',
      [id],
    );
    return Ticket.parse(r.rows[0]?.ticket);
  };

  for (const source of DEMO_SOURCES) {
    it(`${source}: accepted, with subject, status, priority and thread as far as ${source} carries them`, async () => {
      for (const t of examples) {
        const d = signedDelivery(source, t, SECRETS[source]);
        const res = await h.app.inject({
          method: 'POST',
          url: `/webhooks/${source}`,
          payload: d.body,
          headers: d.headers,
        });
        expect(res.statusCode, `${t.externalId}: ${res.body}`).toBe(202);
        const got = await stored(res.json().ticketId);
        expect(got).toMatchObject({
          source,
          externalId: t.externalId,
          subject: t.subject,
          description: t.description,
          priority: t.priority,
        });
        expect(Date.parse(got.updatedAt)).toBe(Date.parse(t.updatedAt));
        expect(got.status).toBe(LOSSY_STATUS[source]?.[t.status] ?? t.status);
        if (source === 'generic') expect(got).toEqual({ ...t, source });
        if (source === 'jira' || source === 'servicenow' || source === 'freshdesk') {
          expect(got.comments.map((c) => c.body).sort()).toEqual(
            t.comments.map((c) => c.body.trim()).sort(),
          );
        }
        if (source === 'jira')
          expect(got.timeEntries.map((e) => e.minutes)).toEqual(
            t.timeEntries.map((e) => e.minutes),
          );
      }
    });
  }

  it('deliverAsWebhooks spreads tickets over the configured vendors over real HTTP', async () => {
    const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const secrets = { zendesk: SECRETS.zendesk, jira: SECRETS.jira, generic: SECRETS.generic };
    const results = await deliverAsWebhooks(url, examples.slice(0, 6), secrets);
    expect(results.map((r) => r.source)).toEqual([
      'zendesk',
      'jira',
      'generic',
      'zendesk',
      'jira',
      'generic',
    ]);
    expect(results.every((r) => r.status === 202 && r.ticketId)).toBe(true);
  });
});
