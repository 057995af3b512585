import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { applyPatch } from 'diff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChiefPass } from '../../src/chief/pass.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { rejectProposal } from '../../src/decisions/decisions.js';
import { readJsonl } from '../../src/import/jsonl.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, startPipeline, waitFor } from '../helpers/pipeline.js';
import { dockTicket } from './fixtures.js';
import { chiefHarness, proposalRows, seedFailures } from './helpers.js';

/**
 * The examples' week of thin triage notes (2026-11-09..15), graded by a real
 * QC worker against the simulator over HTTP, becomes exactly one triage
 * proposal whose diff applies cleanly to the current agents/triage.md.
 *
 * Every example ticket created that week is graded, the well-triaged ones
 * too: the simulator's triage rules must attribute only the thin notes
 * (`insufficient_detail`), not raise a second, spurious triage category
 * (such as `no_impact_statement` on notes that do state who is affected and
 * what they cannot do) on the rest of the week.
 */

let db: TestDb;
let sim: Simulator;
let p: Pipeline;
const ids: number[] = [];

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulator({ seed: 11, noise: 0 });
  p = await startPipeline(db, sim.url);
  for await (const row of readJsonl('examples/tickets.jsonl')) {
    if (!row.ok) continue;
    const created = row.ticket.createdAt.slice(0, 10);
    if (created >= '2026-11-09' && created <= '2026-11-15')
      ids.push((await upsertTicket(db.pool, row.ticket)).id);
  }
  await p.startWorker({ concurrency: 4 });
  await p.enqueue(ids);
  await waitFor(
    'the week graded',
    async () => {
      const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM qc_results');
      return r.rows[0]?.n === ids.length ? true : undefined;
    },
    90_000,
  );
}, 120_000);
afterAll(async () => {
  await p?.close();
  await sim?.close();
  await db?.drop();
});

describe('the thin-triage week', () => {
  it('→ exactly one triage proposal, whose diff applies cleanly to the current file', async () => {
    expect(ids.length).toBeGreaterThanOrEqual(5);
    const thin = await db.pool.query<{ n: number }>(
      `SELECT count(DISTINCT ticket_id)::int AS n FROM agent_events
       WHERE kind = 'failure' AND agent = 'triage' AND category = 'insufficient_detail'`,
    );
    expect(thin.rows[0]?.n).toBeGreaterThanOrEqual(5);

    const { deps } = chiefHarness(db, sim.url);
    const pass = await runChiefPass(deps);
    const triage = (await proposalRows(db)).filter((x) => x.agent === 'triage');
    expect(triage).toHaveLength(1);
    const proposal = triage[0];
    expect(proposal).toMatchObject({
      category: 'insufficient_detail',
      file: 'agents/triage.md',
      status: 'pending',
    });
    expect(pass.proposals.map((x) => x.id)).toContain(proposal?.id);
    expect(proposal?.covered_event_ids.length).toBeGreaterThanOrEqual(5);

    const current = await db.pool.query<{ content: string }>(
      "SELECT content FROM context_versions WHERE file = 'agents/triage.md' AND active",
    );
    const applied = applyPatch(current.rows[0]?.content ?? '', proposal?.diff ?? '');
    expect(applied).not.toBe(false);
    const stored = await db.pool.query<{
      proposed_content: string;
      backtest: {
        kind: string;
        tickets: { role: string; status: string; before?: { outcome: string } }[];
      };
    }>('SELECT proposed_content, backtest FROM prompt_proposals WHERE id = $1', [proposal?.id]);
    expect(applied).toBe(stored.rows[0]?.proposed_content);
    expect(applied).toContain('## Failure categories');
    // Issue 15: triage runs live, so its proposal is backtested on the cited tickets' creation state.
    const bt = stored.rows[0]?.backtest;
    expect(bt?.kind).toBe('regrade');
    const triggers = bt?.tickets.filter((t) => t.role === 'trigger') ?? [];
    expect(triggers.length).toBeGreaterThanOrEqual(5);
    expect(bt?.tickets.filter((t) => t.status === 'error')).toEqual([]);
    expect(
      triggers.every((t) => ['complete', 'incomplete'].includes(t.before?.outcome ?? '')),
    ).toBe(true);

    // The chief recorded its own model call and the proposal.
    const own = await db.pool.query<{ kind: string; purpose: string | null }>(
      "SELECT kind, purpose FROM agent_events WHERE agent = 'chief-of-staff' ORDER BY id",
    );
    expect(own.rows.map((r) => r.kind)).toEqual(expect.arrayContaining(['llm_call', 'proposal']));
  });

  it('a second pass → no duplicate', async () => {
    const before = (await proposalRows(db)).length;
    const { deps } = chiefHarness(db, sim.url);
    const pass = await runChiefPass(deps);
    expect(pass.proposals).toEqual([]);
    expect((await proposalRows(db)).length).toBe(before);
  });

  it('rejection → a regrade of its tickets stays quiet; 3 new tickets fire the pair again', async () => {
    const [proposal] = (await proposalRows(db)).filter((x) => x.agent === 'triage');
    await rejectProposal(db.pool, proposal?.id ?? 0, { reviewer: 'dana', note: 'too generic' });
    const { deps } = chiefHarness(db, sim.url);
    const count = async () =>
      (await proposalRows(db)).filter(
        (x) => x.agent === 'triage' && x.category === 'insufficient_detail',
      ).length;
    await runChiefPass(deps);
    expect(await count()).toBe(1);
    // A regrade: the tickets the rejection saw fail again. Nothing new to a lead.
    const seen = await db.pool.query<{ id: number }>(
      `SELECT DISTINCT ticket_id AS id FROM agent_events
       WHERE kind = 'failure' AND agent = 'triage' AND category = 'insufficient_detail'`,
    );
    expect(seen.rowCount).toBeGreaterThanOrEqual(3);
    await seedFailures(
      db,
      seen.rows.map((r) => ({ ticketId: r.id })),
    );
    await runChiefPass(deps);
    expect(await count()).toBe(1);
    const fresh: number[] = [];
    for (let i = 101; i <= 103; i++) fresh.push((await upsertTicket(db.pool, dockTicket(i))).id);
    await seedFailures(db, [{ ticketId: fresh[0] as number }, { ticketId: fresh[1] as number }]);
    await runChiefPass(deps);
    expect(await count()).toBe(1);
    await seedFailures(db, [{ ticketId: fresh[2] as number }]);
    await runChiefPass(deps);
    const rows = (await proposalRows(db)).filter((x) => x.agent === 'triage');
    expect(rows.map((x) => x.status)).toEqual(['rejected', 'pending']);
    expect(rows[1]?.covered_event_ids).toHaveLength(3);
  });
});
