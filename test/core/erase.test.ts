import { Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCli } from '../../src/cli/index.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { createRedis } from '../../src/queue/connection.js';
import {
  applyRetention,
  RETENTION_QUEUE,
  RETENTION_SCHEDULER,
  startRetentionScheduler,
} from '../../src/queue/retention.js';
import type { Ticket } from '../../src/ticket/schema.js';
import { captureLog } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { loadExamples } from '../helpers/pipeline.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';

// Defect 7 of issue 10 (erase, retention): deleting a ticket left the
// customer's address in agent_events.details; there was no erase and no retention.

const EMAIL = 'Dana.Quill@privacy-test.example';
let db: TestDb;

beforeEach(async () => {
  db = await createTestDb();
});
afterEach(async () => {
  await db.drop();
});

/** A graded ticket with an escalation, an override and events, for a requester. */
async function seed(base: Ticket, externalId: string, email: string, versions = 1) {
  const ids: number[] = [];
  for (let v = 0; v < versions; v++) {
    const t: Ticket = {
      ...base,
      externalId,
      requester: { name: 'Someone', email },
      subject: `${base.subject} v${v}`,
      updatedAt: new Date(Date.parse(base.updatedAt) + v * 60_000).toISOString(),
    };
    ids.push((await upsertTicket(db.pool, t)).id);
  }
  const id = ids[ids.length - 1] as number;
  const r = await db.pool.query<{ id: string }>(
    `INSERT INTO qc_results (ticket_id, context_version, outcome, score, confidence, verdict, model, tier, cost_usd, latency_ms)
     VALUES ($1, 'ctx', 'escalate', 50, 0.9, $2, 'm', 'base', 0.01, 10) RETURNING id`,
    [id, JSON.stringify({ summary: `requester ${email}` })],
  );
  const resultId = Number(r.rows[0]?.id);
  await db.pool.query(
    `INSERT INTO escalations (result_id, ticket_id, rule, reason) VALUES ($1, $2, 'data_loss', $3)`,
    [resultId, id, `quote from ${email}`],
  );
  await db.pool.query(
    `INSERT INTO overrides (ticket_id, result_id, original, corrected, reason, reviewer)
     VALUES ($1, $2, 'fail', 'pass', 'ok', 'lead')`,
    [id, resultId],
  );
  await db.pool.query(
    `INSERT INTO agent_events (agent, kind, category, ticket_id, result_id, details) VALUES
       ('qc-worker', 'verdict', 'escalate', $1, $2, '{}'),
       ('qc-worker', 'escalation', 'data_loss', $1, $2, $3),
       ('qc-worker', 'llm_call', NULL, $1, $2, '{"outcome":"ok","requestId":"req_1"}')`,
    [id, resultId, JSON.stringify({ reason: `mail from ${email}` })],
  );
  return { ids, resultId };
}

async function countsFor(ids: number[]) {
  const q = async (sql: string) =>
    Number((await db.pool.query<{ n: string }>(sql, [ids])).rows[0]?.n);
  return {
    tickets: await q('SELECT count(*) n FROM tickets WHERE id = ANY($1)'),
    results: await q('SELECT count(*) n FROM qc_results WHERE ticket_id = ANY($1)'),
    escalations: await q('SELECT count(*) n FROM escalations WHERE ticket_id = ANY($1)'),
    overrides: await q('SELECT count(*) n FROM overrides WHERE ticket_id = ANY($1)'),
    events: await q('SELECT count(*) n FROM agent_events WHERE ticket_id = ANY($1)'),
  };
}

const anywhere = async (needle: string) => {
  const tables = [
    'tickets',
    'qc_results',
    'escalations',
    'agent_events',
    'prompt_proposals',
    'review_audit',
  ];
  const hits: string[] = [];
  for (const t of tables) {
    const r = await db.pool.query<{ n: string }>(
      `SELECT count(*) n FROM ${t} x WHERE strpos(lower(x::text), lower($1)) > 0`,
      [needle],
    );
    if (Number(r.rows[0]?.n) > 0) hits.push(t);
  }
  return hits;
};

async function cli(...args: string[]) {
  const config = testConfig({ DATABASE_URL: db.url });
  return captureLog(() =>
    buildCli(() => config).parseAsync(['node', 'ticket-qc', ...args, '--actor', 'dpo']),
  );
}

describe('ticket-qc erase', () => {
  it('--customer removes every ticket of the customer and every event naming them; audited without the data', async () => {
    const [a, b] = await loadExamples(2);
    const karen = await seed(a?.ticket as Ticket, 'K-1', EMAIL.toLowerCase(), 2);
    const other = await seed(b?.ticket as Ticket, 'O-1', 'someone.else@other.example');
    // An event about another ticket that still names her (e.g. a forwarded mail).
    await db.pool.query(
      `INSERT INTO agent_events (agent, kind, category, ticket_id, details)
       VALUES ('qc-worker', 'failure', 'no_secrets', $1, $2)`,
      [other.ids[0], JSON.stringify({ note: `cc ${EMAIL}` })],
    );
    await db.pool.query(
      `INSERT INTO prompt_proposals (agent, category, file, base_version, evidence)
       VALUES ('qc-worker', 'no_secrets', 'rubric.md', 1, $1)`,
      [JSON.stringify({ tickets: [{ quote: `from ${EMAIL}` }] })],
    );
    const spendBefore = await db.pool.query(
      'SELECT sum(cost_usd) s, count(*) n FROM agent_events WHERE kind = $1',
      ['llm_call'],
    );

    const out = await cli('erase', '--customer', EMAIL);
    expect(out).toMatch(
      /erased 2 ticket version\(s\), 1 result\(s\), 1 escalation\(s\), 1 override\(s\)/,
    );

    expect(await countsFor(karen.ids)).toEqual({
      tickets: 0,
      results: 0,
      escalations: 0,
      overrides: 0,
      events: 0,
    });
    expect(await anywhere(EMAIL)).toEqual([]);
    expect(await anywhere('K-1')).toEqual([]); // the external id is not in the audit row either
    // The other customer's ticket is intact, minus the one event that named her.
    expect(await countsFor(other.ids)).toMatchObject({
      tickets: 1,
      results: 1,
      escalations: 1,
      overrides: 1,
    });
    // Paid calls stay for spend, detached from the ticket.
    const spendAfter = await db.pool.query(
      'SELECT sum(cost_usd) s, count(*) n FROM agent_events WHERE kind = $1',
      ['llm_call'],
    );
    expect(spendAfter.rows[0]).toEqual(spendBefore.rows[0]);
    const audit = await db.pool.query<{
      action: string;
      actor: string;
      details: { counts: Record<string, number>; ticketIds: number[]; selector: string };
    }>(`SELECT action, actor, details FROM review_audit WHERE action LIKE 'privacy.%'`);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ action: 'privacy.erase', actor: 'dpo' });
    expect(audit.rows[0]?.details.selector).toBe('customer');
    expect(audit.rows[0]?.details.ticketIds).toEqual(karen.ids);
    expect(audit.rows[0]?.details.counts).toMatchObject({
      tickets: 2,
      results: 1,
      events: 3,
      proposalsScrubbed: 1,
      costEventsDetached: 1,
    });
  });

  it('--customer matches the whole address only: a longer address containing it is kept', async () => {
    const [a, b, c] = await loadExamples(3);
    const bob = await seed(a?.ticket as Ticket, 'B-1', 'bob@acme.example');
    const jimbob = await seed(b?.ticket as Ticket, 'J-1', 'jimbob@acme.example');
    const bobAu = await seed(c?.ticket as Ticket, 'A-1', 'bob@acme.example.au');
    // An event of another customer that names him as the sentence's last word is his.
    await db.pool.query(
      `INSERT INTO agent_events (agent, kind, category, ticket_id, details)
       VALUES ('qc-worker', 'failure', 'no_secrets', $1, $2)`,
      [jimbob.ids[0], JSON.stringify({ note: 'forwarded to\nBOB@acme.example.' })],
    );
    await cli('erase', '--customer', 'bob@acme.example');
    expect((await countsFor(bob.ids)).tickets).toBe(0);
    expect(await countsFor(jimbob.ids)).toMatchObject({ tickets: 1, results: 1, escalations: 1 });
    expect(await countsFor(bobAu.ids)).toMatchObject({ tickets: 1, results: 1, escalations: 1 });
    expect(await anywhere('jimbob@acme.example')).toContain('tickets');
    expect(await anywhere('bob@acme.example.au')).toContain('tickets');
    const named = await db.pool.query<{ n: string }>(
      `SELECT count(*) n FROM agent_events WHERE details::text ILIKE '%forwarded to%'`,
    );
    expect(Number(named.rows[0]?.n)).toBe(0);
  });

  it('--ticket SOURCE:ID removes that ticket only', async () => {
    const [a] = await loadExamples(1);
    const one = await seed(a?.ticket as Ticket, 'T-1', 'x@y.example');
    const two = await seed(a?.ticket as Ticket, 'T-2', 'x@y.example');
    const out = await cli('erase', '--ticket', `${a?.ticket.source}:T-1`);
    expect(out).toMatch(/erased 1 ticket version/);
    expect((await countsFor(one.ids)).tickets).toBe(0);
    expect((await countsFor(two.ids)).tickets).toBe(1);
  });

  it('refuses an ambiguous or malformed selector', async () => {
    process.exitCode = undefined;
    await cli('erase', '--ticket', 'no-colon');
    expect(process.exitCode).toBe(2);
    process.exitCode = undefined;
  });
});

describe('retention (QC_RETENTION_TICKETS, QC_RETENTION_EVENTS)', () => {
  it('erases tickets whose newest version is older than the window, and old events', async () => {
    const [a, b] = await loadExamples(2);
    const old = await seed(a?.ticket as Ticket, 'OLD-1', 'old@x.example', 2);
    const recent = await seed(b?.ticket as Ticket, 'NEW-1', 'new@x.example');
    await db.pool.query(
      `UPDATE tickets SET received_at = now() - interval '400 days' WHERE id = ANY($1)`,
      [old.ids],
    );
    await db.pool.query(
      `INSERT INTO agent_events (agent, kind, category, occurred_at) VALUES ('qc-worker', 'budget', 'warn', now() - interval '100 days')`,
    );
    expect(await applyRetention(db.pool, {})).toEqual({ tickets: 0, events: 0 }); // off by default
    const r = await applyRetention(db.pool, {
      QC_RETENTION_TICKETS: 365 * 86_400_000,
      QC_RETENTION_EVENTS: 90 * 86_400_000,
    });
    expect(r).toEqual({ tickets: 2, events: 1 });
    expect((await countsFor(old.ids)).tickets).toBe(0);
    expect(await countsFor(recent.ids)).toMatchObject({ tickets: 1, results: 1, events: 3 });
    expect(await anywhere('old@x.example')).toEqual([]);
  });

  it('the worker registers one daily job scheduler, and removes it when retention is off', async () => {
    const prefix = testPrefix();
    const connection = createRedis(testConfig({}).REDIS_URL, 'worker');
    const on = testConfig({
      DATABASE_URL: db.url,
      QC_RETENTION_EVENTS: '90d',
      QC_TZ: 'Europe/Berlin',
    });
    const logger = (await import('pino')).pino({ level: 'silent' });
    const s = await startRetentionScheduler(
      { pool: db.pool, config: on, logger },
      { connection, prefix },
    );
    const queue = new Queue(RETENTION_QUEUE, { connection, prefix });
    try {
      const sched = await queue.getJobScheduler(RETENTION_SCHEDULER);
      expect(sched).toMatchObject({ pattern: '30 3 * * *', tz: 'Europe/Berlin' });
      await s.close();
      const off = testConfig({ DATABASE_URL: db.url });
      await (
        await startRetentionScheduler(
          { pool: db.pool, config: off, logger },
          { connection, prefix },
        )
      ).close();
      expect(await queue.getJobScheduler(RETENTION_SCHEDULER)).toBeUndefined();
    } finally {
      await queue.close();
      connection.disconnect();
      await cleanPrefix(prefix);
    }
  });
});
