import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ticket } from '../../src/ticket/schema.js';
import {
  deliver,
  fixture,
  type Harness,
  jobsOf,
  resultsByTicket,
  signedHeaders,
  startGrader,
  startHarness,
  ticketRows,
  waitFor,
} from './helpers.js';

/**
 * Jira comment events (`comment_created`, `comment_updated`,
 * `comment_deleted`) change the latest stored version of their issue: the
 * result is stored as a new version through the same path as any delivery —
 * signature, dedupe on X-Atlassian-Webhook-Identifier, per-ticket lock,
 * debounce. A comment on an issue of which nothing is stored is acknowledged
 * and ignored. Fixtures: test/fixtures/webhooks/jira/comment-*.json on top of
 * issue-resolved.json (HD-342), re-keyed per test.
 */

/** A Jira fixture for another issue key. */
function jira(name: string, key = 'HD-342'): string {
  return fixture(`jira/${name}.json`).replaceAll('HD-342', key);
}

function send(h: Harness, body: string, deliveryId?: string) {
  const headers = signedHeaders('jira', body);
  if (deliveryId) headers['x-atlassian-webhook-identifier'] = deliveryId;
  return deliver(h, 'jira', body, headers);
}

async function storedTicket(h: Harness, id: number) {
  const r = await h.db.pool.query<{ ticket: unknown }>('SELECT ticket FROM tickets WHERE id = $1', [
    id,
  ]);
  return Ticket.parse(r.rows[0]?.ticket);
}

async function versionsOf(h: Harness, key: string) {
  return (await ticketRows(h, 'jira')).filter((r) => r.external_id === key);
}

/** The latest version, as the reader of a ticket sees it. */
async function latestOf(h: Harness, key: string) {
  const rows = await versionsOf(h, key);
  const last = rows.at(-1);
  if (!last) throw new Error(`nothing stored for ${key}`);
  return Ticket.parse(last.ticket);
}

describe('jira comment events', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { QC_DEBOUNCE: '1h' } });
  });
  afterAll(() => h?.close());

  it('a comment on a stored issue → a new version containing it; its retries → still one', async () => {
    const issue = await send(h, jira('issue-resolved'), 'issue-342');
    expect(issue.statusCode, issue.body).toBe(202);
    expect(issue.json().grading).toBe('scheduled');

    const res = await send(h, jira('comment-created'), 'comment-342');
    expect(res.statusCode, res.body).toBe(202);
    const first = res.json();
    expect(first).toMatchObject({ status: 'accepted', newVersion: true, grading: 'scheduled' });
    expect(first.ticketId).not.toBe(issue.json().ticketId);
    const want = Ticket.parse(JSON.parse(fixture('jira/comment-created.ticket.json')));
    expect(await storedTicket(h, first.ticketId)).toEqual(want);

    // The vendor's retry: recognised by its identifier, nothing written.
    const retry = await send(h, jira('comment-created'), 'comment-342');
    expect(retry.json()).toMatchObject({
      status: 'accepted',
      grading: 'duplicate_delivery',
      ticketId: first.ticketId,
      version: first.version,
    });
    // The same comment again under another identifier: already in the thread, the same version.
    const again = await send(h, jira('comment-created'), 'comment-342-again');
    expect(again.json()).toMatchObject({
      status: 'accepted',
      newVersion: false,
      ticketId: first.ticketId,
      version: first.version,
    });
    const rows = await versionsOf(h, 'HD-342');
    expect(rows.map((r) => r.qc_status)).toEqual(['superseded', 'queued']);
    // The debounced grade moved to the version with the comment.
    const jobs = (await jobsOf(h)).filter((j) => rows.some((r) => r.id === j.data.ticketId));
    expect(jobs.map((j) => j.data.ticketId)).toEqual([first.ticketId]);
  });

  it('comment_updated replaces the comment (ADF → text); comment_deleted removes it', async () => {
    const key = 'HD-343';
    expect((await send(h, jira('issue-resolved', key), 'i-343')).statusCode).toBe(202);

    const upd = await send(h, jira('comment-updated', key), 'u-343');
    expect(upd.statusCode, upd.body).toBe(202);
    expect(upd.json()).toMatchObject({ status: 'accepted', newVersion: true });
    const edited = await latestOf(h, key);
    expect(edited.comments).toHaveLength(3);
    expect(edited.comments[0]).toEqual({
      author: 'Sam Rivera',
      role: 'agent',
      public: false,
      body: 'Mailbox was at 49.9/50 GB.\nEnabled the archive mailbox and an auto-expanding archive; retention policy moves items older than 2 years.',
      at: '2026-10-05T10:20:00.000Z',
    });
    expect(edited.updatedAt).toBe('2026-10-05T11:10:00.000Z');

    const del = await send(h, jira('comment-deleted', key), 'd-343');
    expect(del.statusCode, del.body).toBe(202);
    expect(del.json()).toMatchObject({ status: 'accepted', newVersion: true });
    const after = await latestOf(h, key);
    expect(after.comments.map((c) => c.at)).toEqual([
      '2026-10-05T10:20:00.000Z',
      '2026-10-05T11:00:00.000Z',
    ]);
    expect(after.comments[0]?.body).toBe(edited.comments[0]?.body);
    // A deletion carries no time of its own but the event's timestamp.
    expect(after.updatedAt).toBe('2026-10-05T11:15:00.000Z');
    expect(after.threadIncomplete).toBe(false);

    // Deleting it again (another delivery): nothing to remove, nothing stored.
    const gone = await send(h, jira('comment-deleted', key), 'd-343-again');
    expect(gone.statusCode).toBe(202);
    expect(gone.json()).toEqual({
      status: 'ignored',
      reason: `comment 10502 is not in the stored thread of ${key}: nothing to remove`,
    });
    expect(await versionsOf(h, key)).toHaveLength(3);
  });

  it('a comment before any version of its issue → 202 ignored, nothing stored; its retry after the issue applies', async () => {
    const key = 'HD-344';
    const early = await send(h, jira('comment-created', key), 'early-344');
    expect(early.statusCode, early.body).toBe(202);
    expect(early.json()).toEqual({
      status: 'ignored',
      reason: `comment_created on ${key}, but no version of the issue is stored yet: the next issue event will carry the ticket`,
    });
    expect(await versionsOf(h, key)).toHaveLength(0);
    const recorded = await h.db.pool.query(
      "SELECT 1 FROM webhook_deliveries WHERE delivery_id = 'early-344'",
    );
    expect(recorded.rowCount).toBe(0);

    expect((await send(h, jira('issue-resolved', key), 'i-344')).statusCode).toBe(202);
    const retried = await send(h, jira('comment-created', key), 'early-344');
    expect(retried.json()).toMatchObject({ status: 'accepted', newVersion: true });
    expect((await latestOf(h, key)).comments).toHaveLength(4);
  });

  it('keeps author, role, public/internal, body and time; jsdPublic absent → public', async () => {
    const key = 'HD-345';
    await send(h, jira('issue-resolved', key));
    const base = JSON.parse(jira('comment-created', key));
    // The customer (the reporter) replies on the portal, in ADF, from another time zone.
    const customer = structuredClone(base);
    customer.comment.id = '10601';
    customer.comment.author = {
      accountId: 'qm:9a1c-customer',
      accountType: 'customer',
      displayName: 'Lee Chen',
    };
    customer.comment.body = {
      type: 'doc',
      version: 1,
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'All good, thanks!' }] }],
    };
    customer.comment.created = '2026-10-05T13:20:00.000+0200';
    customer.comment.updated = '2026-10-05T13:20:00.000+0200';
    customer.comment.jsdPublic = true;
    // An automation app comments without jsdPublic (the REST API's default is visible).
    const app = structuredClone(base);
    app.comment.id = '10602';
    app.comment.author = { accountId: 'app-1', accountType: 'app', displayName: 'Automation' };
    app.comment.body = 'Satisfaction survey sent.';
    app.comment.created = '2026-10-05T11:25:00.000+0000';
    delete app.comment.updated;
    delete app.comment.jsdPublic;
    for (const body of [customer, app]) {
      const res = await send(h, JSON.stringify(body));
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json().status).toBe('accepted');
    }
    const t = await latestOf(h, key);
    expect(t.comments.slice(-2)).toEqual([
      {
        author: 'Lee Chen',
        role: 'customer',
        public: true,
        body: 'All good, thanks!',
        at: '2026-10-05T11:20:00.000Z',
      },
      {
        author: 'Automation',
        role: 'system',
        public: true,
        body: 'Satisfaction survey sent.',
        at: '2026-10-05T11:25:00.000Z',
      },
    ]);
    expect(t.updatedAt).toBe('2026-10-05T11:25:00.000Z');
  });

  it('two comments arriving together are both kept (the per-ticket lock)', async () => {
    const key = 'HD-346';
    await send(h, jira('issue-resolved', key));
    const bodies = [1, 2, 3, 4].map((n) => {
      const b = JSON.parse(jira('comment-created', key));
      b.comment.id = `1070${n}`;
      b.comment.body = `Parallel note ${n}`;
      b.comment.created = `2026-10-05T12:0${n}:00.000+0000`;
      b.comment.updated = b.comment.created;
      return JSON.stringify(b);
    });
    const answers = await Promise.all(bodies.map((b, i) => send(h, b, `par-${i}`)));
    for (const a of answers)
      expect(a.json()).toMatchObject({ status: 'accepted', newVersion: true });
    const t = await latestOf(h, key);
    expect(t.comments.filter((c) => c.body.startsWith('Parallel note')).map((c) => c.body)).toEqual(
      ['Parallel note 1', 'Parallel note 2', 'Parallel note 3', 'Parallel note 4'],
    );
    expect(await versionsOf(h, key)).toHaveLength(5);
  });

  it('an issue event without fields.comment keeps the stored thread (thread-incomplete)', async () => {
    const key = 'HD-347';
    await send(h, jira('issue-resolved', key));
    await send(h, jira('comment-created', key));
    const closed = JSON.parse(jira('issue-resolved', key));
    delete closed.issue.fields.comment;
    closed.issue.fields.status = { name: 'Closed', statusCategory: { key: 'done' } };
    closed.issue.fields.updated = '2026-10-05T11:30:00.000+0000';
    const res = await send(h, JSON.stringify(closed), 'closed-347');
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ status: 'accepted', newVersion: true });
    const t = await storedTicket(h, res.json().ticketId);
    expect(t.status).toBe('closed');
    expect(t.comments).toEqual((await storedTicket(h, res.json().ticketId - 1)).comments);
    expect(t.comments).toHaveLength(4);
    expect(t.threadIncomplete).toBe(true);
  });

  it('unreadable comment events are 400 with paths; a deletion that names no comment is ignored', async () => {
    const base = JSON.parse(jira('comment-created', 'HD-348'));
    const noTime = structuredClone(base);
    delete noTime.comment.created;
    const r1 = await send(h, JSON.stringify(noTime));
    expect(r1.statusCode).toBe(400);
    expect(r1.json().error.issues.map((i: { path: string }) => i.path)).toEqual([
      'comment.created',
    ]);

    // Without an issue object (Jira Server / Data Center) the issue id comes
    // from comment.self; without that either, the comment cannot be placed.
    const noIssue = structuredClone(base);
    delete noIssue.issue;
    noIssue.comment.self = noIssue.comment.self.replace('/issue/10207/', '/issue/99999/');
    const r2a = await send(h, JSON.stringify(noIssue));
    expect(r2a.statusCode, r2a.body).toBe(202);
    expect(r2a.json().status).toBe('ignored');
    delete noIssue.comment.self;
    const r2 = await send(h, JSON.stringify(noIssue));
    expect(r2.statusCode).toBe(400);
    expect(r2.json().error.issues.map((i: { path: string }) => i.path)).toEqual(['issue']);

    const badTime = structuredClone(base);
    badTime.comment.created = 'yesterday';
    expect((await send(h, JSON.stringify(badTime))).statusCode).toBe(400);

    const deletion = JSON.parse(jira('comment-deleted', 'HD-348'));
    delete deletion.comment.created;
    const r3 = await send(h, JSON.stringify(deletion));
    expect(r3.statusCode).toBe(202);
    expect(r3.json().status).toBe('ignored');
    expect(await versionsOf(h, 'HD-348')).toHaveLength(0);
  });

  it('an unsigned comment event is refused before anything is read', async () => {
    const body = jira('comment-created');
    const res = await deliver(h, 'jira', body, { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(401);
  });
});

describe('a comment on a graded, solved jira ticket', () => {
  let sim: Simulator;
  let h: Harness;
  let grader: Awaited<ReturnType<typeof startGrader>> | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 3, noise: 0 });
    h = await startHarness({ env: { QC_DEBOUNCE: '300ms' } });
    grader = await startGrader(h, sim.url);
  });
  afterAll(async () => {
    await grader?.close();
    await h?.close();
    await sim?.close();
  });

  it('is a new version whose debounced grade is scheduled like any other', async () => {
    const issue = (await send(h, jira('issue-resolved'), 'g-issue')).json();
    expect(issue.grading).toBe('scheduled');
    await waitFor('the first grade', async () => (await resultsByTicket(h)).get(issue.ticketId));

    const comment = (await send(h, jira('comment-created'), 'g-comment')).json();
    expect(comment).toMatchObject({ status: 'accepted', newVersion: true, grading: 'scheduled' });
    await waitFor('the second grade', async () => (await resultsByTicket(h)).get(comment.ticketId));
    expect([...(await resultsByTicket(h)).entries()].sort()).toEqual([
      [issue.ticketId, 1],
      [comment.ticketId, 1],
    ]);
  });
});
