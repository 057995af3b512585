import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../src/cli/index.js';
import type { Config } from '../../src/config.js';
import { scorecards } from '../../src/db/technicians.js';
import { listTickets } from '../../src/db/ticket-index.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { createRedis } from '../../src/queue/connection.js';
import { QC_QUEUE } from '../../src/queue/jobs.js';
import type { Ticket } from '../../src/ticket/schema.js';
import { captureLog } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Seeded, seedReview } from './seed.js';
import { login, type ReviewServer, startReviewServer } from './server.js';

/** Issue 16: what a team lead does every morning, through the pages and the CLI. */

let db: TestDb;
let s: ReviewServer;
let seeded: Seeded;
let alice: { cookie: string; csrf: string };

beforeAll(async () => {
  db = await createTestDb();
  seeded = await seedReview(db.pool);
  s = await startReviewServer(db);
  alice = await login(s, 'alice');
});
afterAll(async () => {
  await s?.close();
  await db?.drop();
});

const get = (url: string) =>
  s.app.inject({ method: 'GET', url, headers: { cookie: alice.cookie, accept: 'text/html' } });
const post = (url: string, fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams({ _csrf: alice.csrf });
  for (const [k, v] of Object.entries(fields))
    for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return s.app.inject({
    method: 'POST',
    url,
    headers: {
      cookie: alice.cookie,
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: body.toString(),
  });
};

async function keyOf(ticketId: number) {
  const r = await db.pool.query<{ source: string; external_id: string; ticket: Ticket }>(
    'SELECT source, external_id, ticket FROM tickets WHERE id = $1',
    [ticketId],
  );
  const row = r.rows[0];
  if (!row) throw new Error(`no ticket ${ticketId}`);
  return row;
}

describe('tickets', () => {
  it('pages through every graded ticket by keyset, without gaps or repeats', async () => {
    const seen: number[] = [];
    let after: Parameters<typeof listTickets>[2];
    for (let i = 0; i < 20; i++) {
      const page = await listTickets(db.pool, {}, after, 5);
      seen.push(...page.rows.map((r) => Number(r.id)));
      if (!page.next) break;
      after = page.next;
    }
    const n = await db.pool.query<{ n: number }>(
      'SELECT count(DISTINCT (t.source, t.external_id))::int AS n FROM tickets t JOIN qc_results r ON r.ticket_id = t.id',
    );
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(n.rows[0]?.n);
  });

  it('finds a ticket by its help-desk id and filters by outcome; the Older link carries the filter', async () => {
    const k = await keyOf(seeded.ticketIds[3] ?? 0);
    const hit = await get(`/review/tickets?q=${encodeURIComponent(k.external_id)}`);
    expect(hit.statusCode).toBe(200);
    expect(hit.body).toContain(`/review/tickets/${k.source}/${encodeURIComponent(k.external_id)}`);
    expect(hit.body.match(/<tr><td class="nowrap">/g)).toHaveLength(1);
    const fails = await get('/review/tickets?outcome=fail');
    const want = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ticket_index WHERE outcome = 'fail'",
    );
    expect(fails.body.match(/<tr><td class="nowrap">/g)?.length ?? 0).toBe(want.rows[0]?.n);
    expect((await get('/review/tickets?after=garbage')).statusCode).toBe(400);
  });

  it('shows every version, verdict, override, escalation, write-back state and cost on the ticket page', async () => {
    const k = await keyOf(seeded.ticketIds[2] ?? 0);
    const res = await get(`/review/tickets/${k.source}/${encodeURIComponent(k.external_id)}`);
    expect(res.statusCode).toBe(200);
    for (const h of [
      'Versions (1)',
      'Verdicts (1)',
      'Overrides (',
      'Escalations (',
      'Write-back',
      'Cost',
    ])
      expect(res.body).toContain(h);
    // The write-back outbox exists (migration 015): the page shows this ticket's notes, or says there are none.
    expect(res.body).toMatch(/data-writeback="(none|rows)"/);
    const v = await get(`/review/tickets/v/${seeded.ticketIds[2]}`);
    expect(v.statusCode).toBe(302);
    expect((await get('/review/tickets/examples/NOPE-1')).statusCode).toBe(404);
  });
});

describe('one open escalation per ticket', () => {
  it('a newer version’s escalation closes the older one with a reason; scorecards count the ticket once', async () => {
    const oldEsc = await db.pool.query<{ id: number; ticket_id: number; result_id: number }>(
      "SELECT id, ticket_id, result_id FROM escalations WHERE status = 'open' ORDER BY id LIMIT 1",
    );
    const old = oldEsc.rows[0];
    if (!old) throw new Error('the seed has no open escalation');
    const k = await keyOf(old.ticket_id);
    const later = new Date(new Date(k.ticket.updatedAt).getTime() + 60_000).toISOString();
    const { id: v2 } = await upsertTicket(db.pool, {
      ...k.ticket,
      description: `${k.ticket.description} (customer replied)`,
      updatedAt: later,
    });
    const verdict = await db.pool.query<{ verdict: unknown; outcome: string; score: number }>(
      'SELECT verdict, outcome, score FROM qc_results WHERE id = $1',
      [old.result_id],
    );
    const r2 = await db.pool.query<{ id: number }>(
      `INSERT INTO qc_results (ticket_id, context_version, outcome, score, confidence, verdict, model, tier)
       VALUES ($1, 'b', $2, $3, 0.9, $4, 'm', 'base') RETURNING id`,
      [
        v2,
        verdict.rows[0]?.outcome,
        verdict.rows[0]?.score,
        JSON.stringify(verdict.rows[0]?.verdict),
      ],
    );
    const e2 = await db.pool.query<{ id: number }>(
      `INSERT INTO escalations (result_id, ticket_id, rule, reason) VALUES ($1, $2, 'vip_or_sla_breach', 'again') RETURNING id`,
      [r2.rows[0]?.id, v2],
    );
    const open = await db.pool.query<{ id: number }>(
      `SELECT e.id FROM escalations e JOIN tickets t ON t.id = e.ticket_id
       WHERE t.source = $1 AND t.external_id = $2 AND e.status <> 'resolved'`,
      [k.source, k.external_id],
    );
    expect(open.rows.map((r) => r.id)).toEqual([e2.rows[0]?.id]);
    const closed = await db.pool.query<{ resolved_by: string; resolution_note: string }>(
      'SELECT resolved_by, resolution_note FROM escalations WHERE id = $1',
      [old.id],
    );
    expect(closed.rows[0]).toMatchObject({ resolved_by: 'system' });
    expect(closed.rows[0]?.resolution_note).toContain(`superseded: escalation #${e2.rows[0]?.id}`);
    const audited = await db.pool.query('SELECT 1 FROM review_audit WHERE target = $1', [
      `escalation:${old.id}`,
    ]);
    expect(audited.rowCount).toBe(1);
    const idx = await db.pool.query<{ versions: number; ticket_id: number }>(
      'SELECT versions, ticket_id FROM ticket_index WHERE source = $1 AND external_id = $2',
      [k.source, k.external_id],
    );
    expect(idx.rows[0]).toMatchObject({ versions: 2, ticket_id: v2 });
    // Scorecards: one help-desk ticket, two graded versions, counted once.
    const cards = await scorecards(db.pool, {
      since: new Date(Date.now() - 30 * 86_400_000),
      until: new Date(Date.now() + 86_400_000),
    });
    const graded = cards.reduce((sum, c) => sum + c.graded, 0);
    const tickets = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM ticket_index',
    );
    expect(graded).toBe(tickets.rows[0]?.n);
  });

  it('acknowledges and resolves in bulk; resolving needs a note', async () => {
    const open = await db.pool.query<{ id: number }>(
      "SELECT id FROM escalations WHERE status = 'open' ORDER BY id LIMIT 2",
    );
    const ids = open.rows.map((r) => String(r.id));
    expect(ids).toHaveLength(2);
    const noNote = await post('/review/escalations/bulk', { ids, action: 'resolve', note: '' });
    expect(noNote.headers.location).toContain('done=note_required');
    const ack = await post('/review/escalations/bulk', { ids, action: 'acknowledge', note: '' });
    expect(ack.headers.location).toContain('done=bulk_acknowledged');
    const res = await post('/review/escalations/bulk', {
      ids,
      action: 'resolve',
      note: 'Called both.',
    });
    expect(res.headers.location).toContain('done=bulk_resolved');
    const after = await db.pool.query<{ status: string }>(
      'SELECT DISTINCT status FROM escalations WHERE id = ANY($1::bigint[])',
      [ids],
    );
    expect(after.rows).toEqual([{ status: 'resolved' }]);
  });
});

describe('safe actions', () => {
  it('the override form starts at the verdict, refuses no change and an exact duplicate, keeps the typed reason, and the card shows who overturned it', async () => {
    const id = seeded.resultIds[5] ?? 0;
    const page = await get(`/review/results/${id}`);
    const outcome = (
      await db.pool.query<{ outcome: string }>('SELECT outcome FROM qc_results WHERE id = $1', [id])
    ).rows[0]?.outcome;
    expect(page.body).toMatch(
      new RegExp(`<option value="${outcome}" selected>${outcome} \\(as now\\)`),
    );
    // The outcome form offers outcomes only; the criteria form criterion results only.
    const outcomeForm = /data-form="outcome">([\s\S]*?)<\/form>/.exec(page.body)?.[1] ?? '';
    expect(outcomeForm).not.toContain('value="met"');
    const same = await post(`/review/results/${id}/override`, {
      kind: 'outcome',
      outcome: outcome ?? '',
      reason: 'my typed reason stays',
    });
    expect(same.statusCode).toBe(400);
    expect(same.body).toContain('my typed reason stays');
    const to = outcome === 'pass' ? 'fail' : 'pass';
    const ok = await post(`/review/results/${id}/override`, {
      kind: 'outcome',
      outcome: to,
      reason: 'The customer confirmed the fix.',
    });
    expect(ok.statusCode).toBe(303);
    const card = await get(`/review/results/${id}`);
    expect(card.body).toContain(`data-outcome="${to}"`);
    expect(card.body).toMatch(/overturned from [A-Z]+ by <b>alice<\/b>/);
    expect(card.body).toContain('The customer confirmed the fix.');
    // A third outcome, then `to` again: the exact correction already on record is refused.
    const third = ['pass', 'fail', 'escalate'].find((o) => o !== outcome && o !== to) ?? '';
    const other = await post(`/review/results/${id}/override`, {
      kind: 'outcome',
      outcome: third,
      reason: 'On reflection it needed a lead.',
    });
    expect(other.statusCode).toBe(303);
    const dup = await post(`/review/results/${id}/override`, {
      kind: 'outcome',
      outcome: to,
      reason: 'duplicate typed reason',
    });
    expect(dup.statusCode).toBe(409);
    expect(dup.body).toContain('already recorded');
    expect(dup.body).toContain('duplicate typed reason');
  });

  it('approve asks first and needs a note when the backtest fixed nothing; reject needs a reason', async () => {
    const id = seeded.proposalId;
    await db.pool.query(
      `UPDATE prompt_proposals SET backtest = jsonb_set(backtest, '{summary}', '{"fixed":0,"unchanged":9,"regressed":0}')
       WHERE id = $1`,
      [id],
    );
    const reject = await post(`/review/proposals/${id}/decide`, { decision: 'reject', note: '' });
    expect(reject.statusCode).toBe(400);
    expect(reject.body).toContain('A reason is required');
    const first = await post(`/review/proposals/${id}/decide`, { decision: 'approve', note: '' });
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('data-confirm="approve"');
    expect(first.body).toContain('the backtest fixed nothing');
    const noNote = await post(`/review/proposals/${id}/decide`, {
      decision: 'approve',
      confirm: 'yes',
      note: '',
    });
    expect(noNote.statusCode).toBe(400);
    const status = await db.pool.query<{ status: string }>(
      'SELECT status FROM prompt_proposals WHERE id = $1',
      [id],
    );
    expect(status.rows[0]?.status).toBe('pending');
  });
});

describe('workers and 404s', () => {
  it('the queue page is green only with a worker connected', async () => {
    const before = await get('/review/queue');
    expect(before.body).toContain('data-fleet="bad"');
    expect(before.body).toContain('no worker is connected');
    const conn = createRedis(s.config.REDIS_URL, 'worker');
    const worker = new Worker(QC_QUEUE, async () => undefined, {
      connection: conn,
      prefix: s.config.QUEUE_PREFIX,
    });
    try {
      await worker.waitUntilReady();
      const after = await get('/review/queue');
      expect(after.body).toContain('data-fleet="good"');
      expect(after.body).toContain('data-workers="1"');
    } finally {
      await worker.close();
      conn.disconnect();
    }
  });

  it('answers an unknown /review address with an HTML 404 page', async () => {
    const res = await get('/review/nowhere/at/all');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('There is no page at /review/nowhere/at/all');
  });
});

describe('CLI', () => {
  let config: Config;
  beforeAll(() => {
    config = testConfig({ DATABASE_URL: db.url, QUEUE_PREFIX: s.config.QUEUE_PREFIX });
  });
  const run = (c: Config, ...args: string[]) =>
    captureLog(() =>
      buildCli(() => c)
        .exitOverride()
        .configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
        .parseAsync(['node', 'ticket-qc', ...args]),
    );

  it('refuses a missing escalation, a bad enum and an unnamed reviewer', async () => {
    await expect(
      run(config, 'escalations', 'resolve', '999999', '--note', 'x', '--reviewer', 'a'),
    ).rejects.toThrow(/no escalation #999999/);
    for (const args of [
      ['proposals', 'list', '--status', 'bogus'],
      ['escalations', 'list', '--status', 'bogus'],
    ]) {
      const out = await promisify(execFile)('npx', ['tsx', 'src/cli/index.ts', ...args], {
        env: { ...process.env, DATABASE_URL: db.url },
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(out.code, args.join(' ')).toBe(1);
      expect(out.stderr).toMatch(/Allowed choices are/);
    }
    await expect(run(config, 'queue', 'pause')).rejects.toThrow(
      /--reviewer NAME, or set QC_REVIEWER/,
    );
  });

  it('records where the reviewer came from, prints JSON and help-desk ids', async () => {
    const open = await db.pool.query<{ id: number }>(
      "SELECT id FROM escalations WHERE status <> 'resolved' ORDER BY id LIMIT 2",
    );
    const [a, b] = open.rows.map((r) => String(r.id));
    await run(config, 'escalations', 'resolve', a ?? '', '--note', 'done', '--reviewer', 'dana');
    await run({ ...config, QC_REVIEWER: 'erin' }, 'escalations', 'acknowledge', b ?? '');
    const audit = await db.pool.query<{ actor: string; from: string }>(
      `SELECT actor, details->>'reviewerFrom' AS from FROM review_audit
       WHERE target = ANY($1::text[]) ORDER BY id`,
      [[`escalation:${a}`, `escalation:${b}`]],
    );
    expect(audit.rows).toEqual([
      { actor: 'dana', from: 'flag' },
      { actor: 'erin', from: 'config' },
    ]);
    const json = JSON.parse(await run(config, 'escalations', 'list', '--status', 'all', '--json'));
    expect(Array.isArray(json)).toBe(true);
    expect(json[0]).toHaveProperty('externalId');
    const costs = await run(config, 'costs', '--by', 'ticket', '--limit', '3');
    expect(costs).toMatch(/examples#EX-\d+/);
    expect(costs).toMatch(/more ticket row\(s\) not shown/);
  });
});
