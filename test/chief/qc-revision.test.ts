import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { proposeRevisionHandler } from '@ticket-qc/anthropic-simulator/revise';
import { applyPatch } from 'diff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backtest, runBacktest } from '../../src/chief/backtest.js';
import { runChiefPass } from '../../src/chief/pass.js';
import { ContextStore } from '../../src/context/store.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { approveProposal, restoreVersion } from '../../src/decisions/decisions.js';
import { addOverride } from '../../src/decisions/overrides.js';
import { qcContextOf } from '../../src/qc/context.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, startPipeline, storeExamples, waitFor } from '../helpers/pipeline.js';
import { CAUSE_QUOTE, dockTicket } from './fixtures.js';
import { chiefHarness, proposalRows, seedFailures } from './helpers.js';

/**
 * A QC file revision end to end: team-lead overrides → the chief proposes a
 * rubric change → the backtest shows it fixes the overridden tickets →
 * approval reaches a running worker without a restart → restore brings the
 * old context version back. Plus: a revision that changes nothing relevant is
 * "unchanged", and one that drops a rubric id is refused with the reason.
 */

let db: TestDb;
let sim: Simulator;
let p: Pipeline;
const dock: number[] = [];
let dropSection = false;

const result = async (ticketId: number, version: string) =>
  waitFor(`result of ${ticketId}`, async () => {
    const r = await db.pool.query<{
      verdict: { criteria: { criterion: string; result: string }[] };
    }>('SELECT verdict FROM qc_results WHERE ticket_id = $1 AND context_version = $2', [
      ticketId,
      version,
    ]);
    return r.rows[0];
  });
const activeVersion = async () => qcContextOf(await new ContextStore(db.pool).active()).version;

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulator({ seed: 5, noise: 0 });
  // A model that drops a criterion section when asked to (for the refusal case).
  sim.registerToolHandler('propose_revision', (ctx) => {
    const out = proposeRevisionHandler(ctx) as { revised_file: string };
    if (!dropSection) return out;
    return {
      ...out,
      revised_file: out.revised_file.replace(/## `follow_up`[\s\S]*?(?=\n## )/, ''),
    };
  });
  p = await startPipeline(db, sim.url);
  for (let i = 1; i <= 5; i++) dock.push((await upsertTicket(db.pool, dockTicket(i))).id);
  const others = await storeExamples(db, 12);
  await p.startWorker({ concurrency: 4 });
  await p.enqueue([...dock.slice(0, 3), ...others]);
  const v = await activeVersion();
  for (const id of [...dock.slice(0, 3), ...others]) await result(id, v);
});
afterAll(async () => {
  await p?.close();
  await sim?.close();
  await db?.drop();
});

describe('a QC context revision', () => {
  let proposalId = 0;
  let v1 = '';

  it('overrides on a criterion → a rubric proposal whose backtest reports the tickets fixed', async () => {
    v1 = await activeVersion();
    for (const id of dock.slice(0, 3)) {
      const r = await result(id, v1);
      expect(r.verdict.criteria.find((c) => c.criterion === 'root_cause')?.result).toBe('missing');
      await addOverride(db.pool, {
        ticketId: id,
        criterion: 'root_cause',
        verdict: 'met',
        reason: 'The internal note names the cause: outdated dock firmware.',
        evidence: CAUSE_QUOTE,
        reviewer: 'dana',
      });
    }
    const failuresBefore = await db.pool.query(
      "SELECT id FROM agent_events WHERE kind = 'failure'",
    );
    const { deps } = chiefHarness(db, sim.url);
    await runChiefPass(deps);
    const failuresAfter = await db.pool.query("SELECT id FROM agent_events WHERE kind = 'failure'");
    expect(failuresAfter.rowCount).toBe(failuresBefore.rowCount); // backtests write no failures

    const [proposal] = (await proposalRows(db)).filter((x) => x.category === 'root_cause');
    expect(proposal).toMatchObject({ agent: 'qc-worker', file: 'rubric.md', status: 'pending' });
    proposalId = proposal?.id ?? 0;
    const rubric = (await new ContextStore(db.pool).active()).files.get('rubric.md')?.content ?? '';
    expect(applyPatch(rubric, proposal?.diff ?? '')).toContain(`Counts as met: "${CAUSE_QUOTE}"`);
    const bt = proposal?.backtest as unknown as Backtest;
    expect(bt.kind).toBe('regrade');
    const triggers = bt.tickets.filter((t) => t.role === 'trigger');
    expect(triggers.map((t) => t.status)).toEqual(['fixed', 'fixed', 'fixed']);
    expect(triggers[0]?.before?.result).toBe('missing');
    expect(triggers[0]?.after?.result).toBe('met');
    expect(bt.tickets.filter((t) => t.role === 'control').length).toBeGreaterThan(0);
    expect(bt.summary).toMatchObject({ fixed: 3, regressed: 0 });
  });

  it('a revision that changes nothing relevant → unchanged, not fixed', async () => {
    const { rt, deps } = chiefHarness(db, sim.url);
    const snapshot = await rt.contexts.active();
    const rubric = snapshot.files.get('rubric.md')?.content ?? '';
    const irrelevant = rubric.replace(
      /(## `root_cause`[^\n]*\nWeight: \d+\n)/,
      '$1Counts as met: "the flux capacitor was recalibrated"\n',
    );
    expect(irrelevant).not.toBe(rubric);
    // The overrides are covered by the pending proposal now; read them back directly.
    const events = await db.pool.query<{
      id: number;
      ticketId: number;
      occurredAt: Date;
      details: Record<string, unknown>;
    }>(
      `SELECT id, ticket_id AS "ticketId", occurred_at AS "occurredAt", details FROM agent_events
       WHERE kind = 'failure' AND category = 'root_cause' ORDER BY id`,
    );
    const { backtest } = await runBacktest({
      db: db.pool,
      grade: { llm: deps.llm, settings: deps.settings },
      snapshot,
      file: 'rubric.md',
      proposed: irrelevant,
      category: 'root_cause',
      events: events.rows,
    });
    expect(backtest.tickets.filter((t) => t.role === 'trigger').map((t) => t.status)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(backtest.summary.fixed).toBe(0);
  });

  it('approval → the next job is graded with the new context version; restore → the old one again', async () => {
    await approveProposal(db.pool, proposalId, { reviewer: 'dana', note: 'matches how we grade' });
    const v2 = await activeVersion();
    expect(v2).not.toBe(v1);
    await p.enqueue([dock[3] as number]);
    const after = await result(dock[3] as number, v2);
    expect(after.verdict.criteria.find((c) => c.criterion === 'root_cause')?.result).toBe('met');

    await restoreVersion(db.pool, {
      file: 'rubric.md',
      version: 1,
      reviewer: 'dana',
      note: 'rollback',
    });
    expect(await activeVersion()).toBe(v1);
    await p.enqueue([dock[4] as number]);
    const back = await result(dock[4] as number, v1);
    expect(back.verdict.criteria.find((c) => c.criterion === 'root_cause')?.result).toBe('missing');
    const rows = await db.pool.query<{ context_version: string }>(
      'SELECT context_version FROM qc_results WHERE ticket_id = ANY($1::bigint[]) ORDER BY id',
      [dock.slice(3)],
    );
    expect(rows.rows.map((r) => r.context_version)).toEqual([v2, v1]);
  });

  it('a revision that drops a rubric id → refused, with the reason stored', async () => {
    dropSection = true;
    const { deps } = chiefHarness(db, sim.url);
    await seedFailures(
      db,
      dock.slice(0, 3).map((t) => ({
        ticketId: t,
        agent: 'qc-worker',
        category: 'follow_up',
        details: {
          kind: 'override',
          criterion: 'follow_up',
          from: 'met',
          to: 'partial',
          reviewer: 'dana',
        },
      })),
    );
    const pass = await runChiefPass(deps);
    expect(pass.proposals.map((x) => [x.category, x.status])).toEqual([['follow_up', 'refused']]);
    const [refused] = (await proposalRows(db)).filter((x) => x.category === 'follow_up');
    expect(refused?.status).toBe('refused');
    expect(refused?.refusal_reason).toMatch(/^drops_ids: .*criterion `follow_up`/);
    expect(refused?.backtest).toBeNull();
    // Refused proposals are never offered for approval.
    await expect(approveProposal(db.pool, refused?.id ?? 0, { reviewer: 'dana' })).rejects.toThrow(
      /refused/,
    );
    // A refused pair is not retried until a new failure arrives.
    const again = await runChiefPass(deps);
    expect(again.proposals).toEqual([]);
  });
});
