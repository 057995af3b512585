import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PassResult, runChiefPass } from '../../src/chief/pass.js';
import { ContextStore } from '../../src/context/store.js';
import { upsertTicket } from '../../src/db/tickets.js';
import {
  approveProposal,
  DecisionError,
  dismissProposal,
  rejectProposal,
} from '../../src/decisions/decisions.js';
import { addOverride } from '../../src/decisions/overrides.js';
import { qcContextOf } from '../../src/qc/context.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, startPipeline, storeExamples, waitFor } from '../helpers/pipeline.js';
import { CAUSE_QUOTE, dockTicket } from './fixtures.js';
import { chiefHarness, proposalRows, seedFailures } from './helpers.js';

/**
 * Issue 11's scripted fortnight, through real PostgreSQL, Redis (a QC worker
 * grades the tickets) and the simulator (which answers from the request and
 * context/ rules, never from gold labels). Failures, rejections, regrades and
 * approvals, ending with exactly the proposals a team lead should see:
 *
 * day 1  overrides on `root_cause`; thin triage notes; asset info missing;
 *        schema breaks; unsettled Haiku/Sonnet disagreements
 *        → rubric + 2 triage proposals offered, a system-health notice,
 *          nothing for the disagreements nobody settled
 * day 2  the lead rejects the thin-notes proposal; a regrade repeats every
 *        failure → nothing new
 * day 4  overrides that no wording fixes (`follow_up` → partial)
 *        → recorded as no_improvement, not offered
 * day 6  three *new* tickets with thin notes → the pair fires again
 * day 8  approvals: the rubric, and one triage proposal — its sibling on the
 *        same file is re-checked and closed with the reason, and can still
 *        be rejected; nothing re-fires
 * day 14 the lead sees exactly what is left to decide
 */

let db: TestDb;
let sim: Simulator;
let p: Pipeline;
const dock: number[] = [];
let ex: number[] = [];

const active = async () => qcContextOf(await new ContextStore(db.pool).active()).version;
const graded = (ids: number[], version: string) =>
  waitFor(
    'the tickets graded',
    async () => {
      const r = await db.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM qc_results WHERE ticket_id = ANY($1::bigint[]) AND context_version = $2',
        [ids, version],
      );
      return r.rows[0]?.n === ids.length ? true : undefined;
    },
    60_000,
  );
const pass = async (): Promise<PassResult> =>
  runChiefPass(chiefHarness(db, sim.url, { QC_CHIEF_MAX_PROPOSALS: '3' }).deps);
const byCat = async () => {
  const rows = await proposalRows(db);
  return rows.map((r) => `${r.agent}/${r.category}:${r.status}`);
};
const triage = (tickets: number[], category: string, note: string) =>
  seedFailures(
    db,
    tickets.map((t) => ({ ticketId: t, category, details: { kind: 'attribution', note } })),
  );

beforeAll(async () => {
  db = await createTestDb();
  sim = await startSimulator({ seed: 5, noise: 0 });
  p = await startPipeline(db, sim.url);
  for (let i = 1; i <= 4; i++) dock.push((await upsertTicket(db.pool, dockTicket(i))).id);
  ex = await storeExamples(db, 16);
  await p.startWorker({ concurrency: 4 });
  const all = [...new Set([...dock, ...ex])];
  await p.enqueue(all);
  await graded(all, await active());
}, 120_000);
afterAll(async () => {
  await p?.close();
  await sim?.close();
  await db?.drop();
});

describe('a scripted fortnight', () => {
  let rubricId = 0;
  let thinId = 0;
  let assetId = 0;

  it('day 1: three proposals offered, one operator notice, nothing from unsettled disagreements', async () => {
    for (const id of dock.slice(0, 3)) {
      await addOverride(db.pool, {
        ticketId: id,
        criterion: 'root_cause',
        verdict: 'met',
        reason: 'The internal note names the cause.',
        evidence: CAUSE_QUOTE,
        reviewer: 'dana',
      });
    }
    await triage(ex.slice(0, 3), 'insufficient_detail', 'Triage notes are 2 words ("see ticket").');
    await triage(ex.slice(3, 6), 'missing_asset_info', 'No hostname or asset tag was recorded.');
    await seedFailures(
      db,
      ex.slice(6, 9).map((t) => ({
        ticketId: t,
        agent: 'qc-worker',
        category: 'schema_invalid',
        details: { kind: 'schema_invalid', issues: ['criteria: expected array'], repaired: true },
      })),
    );
    await seedFailures(
      db,
      ex.slice(9, 12).map((t) => ({
        ticketId: t,
        agent: 'qc-worker',
        category: 'follow_up',
        details: { kind: 'shadow_disagreement', base: 'met', strong: 'partial' },
      })),
    );
    const r = await pass();
    expect(r.proposals.map((x) => `${x.agent}/${x.category}:${x.status}`).sort()).toEqual([
      'qc-worker/root_cause:pending',
      'triage/insufficient_detail:pending',
      'triage/missing_asset_info:pending',
    ]);
    expect(r.notices?.map((n) => `${n.category}:${n.tickets}`)).toEqual(['schema_invalid:3']);
    expect(r.unsettled).toEqual(['qc-worker/follow_up']);
    // The strongest evidence first: the overrides a lead wrote.
    expect(r.proposals[0]?.category).toBe('root_cause');
    const rows = await proposalRows(db);
    rubricId = rows.find((x) => x.category === 'root_cause')?.id ?? 0;
    thinId = rows.find((x) => x.category === 'insufficient_detail')?.id ?? 0;
    assetId = rows.find((x) => x.category === 'missing_asset_info')?.id ?? 0;
    // Evidence strength on every proposal.
    const strength = await db.pool.query<{ strength: Record<string, unknown> }>(
      'SELECT strength FROM prompt_proposals WHERE id = $1',
      [rubricId],
    );
    expect(strength.rows[0]?.strength).toMatchObject({
      tickets: 3,
      involves: { kind: 'criterion', id: 'root_cause' },
      sources: { override: 3 },
      backtest: { fixed: 3, regressed: 0 },
    });
    expect(String(strength.rows[0]?.strength.why)).toMatch(
      /^3 distinct tickets over less than a day failed on criterion `root_cause` \(3 from a team-lead override\); re-grading with the change fixed 3 of 3 cited tickets/,
    );
    const asset = await db.pool.query<{ strength: { cautions: string[] } }>(
      'SELECT strength FROM prompt_proposals WHERE id = $1',
      [assetId],
    );
    // The spurious kind: nothing but the QC worker's own reading, never backtested — and it says so.
    expect(asset.rows[0]?.strength.cautions.join(' | ')).toMatch(
      /no team lead or gold label confirmed.*\| backtested on the intake check only/,
    );
  });

  it('day 2: a rejection, then a regrade repeating every failure → nothing new', async () => {
    await rejectProposal(db.pool, thinId, { reviewer: 'dana', note: 'too generic' });
    await triage(ex.slice(0, 3), 'insufficient_detail', 'Triage notes are 2 words ("see ticket").');
    await triage(ex.slice(3, 6), 'missing_asset_info', 'No hostname or asset tag was recorded.');
    await seedFailures(
      db,
      ex.slice(6, 9).map((t) => ({
        ticketId: t,
        agent: 'qc-worker',
        category: 'schema_invalid',
        details: { kind: 'schema_invalid', issues: ['criteria: expected array'], repaired: true },
      })),
    );
    const r = await pass();
    expect(r.proposals).toEqual([]);
    // The operational failures are still going on: an operator hears again, a lead does not.
    expect(r.notices?.map((n) => n.category)).toEqual(['schema_invalid']);
    const health = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM operator_notices',
    );
    expect(health.rows[0]?.n).toBe(2);
  });

  it('day 4: overrides no wording can fix → no_improvement, recorded with its evidence, not offered', async () => {
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
    const r = await pass();
    expect(r.proposals.map((x) => `${x.category}:${x.status}`)).toEqual([
      'follow_up:no_improvement',
    ]);
    expect(r.proposals[0]?.reason).toMatch(/^no_improvement: the backtest fixed 0 cited ticket/);
    // Not pending, so it cannot be approved; a lead may still dismiss it.
    const id = r.proposals[0]?.id ?? 0;
    await expect(approveProposal(db.pool, id, { reviewer: 'dana' })).rejects.toThrow(
      /only a pending proposal can be approved/,
    );
    await dismissProposal(db.pool, id, { reviewer: 'dana', note: 'seen' });
    expect((await pass()).proposals).toEqual([]);
  });

  it('day 6: three new tickets with thin notes → the rejected pair fires again', async () => {
    const fresh: number[] = [];
    for (let i = 201; i <= 203; i++) fresh.push((await upsertTicket(db.pool, dockTicket(i))).id);
    await triage(fresh, 'insufficient_detail', 'Triage wrote "user called".');
    const r = await pass();
    expect(r.proposals.map((x) => `${x.category}:${x.status}`)).toEqual([
      'insufficient_detail:pending',
    ]);
    thinId = r.proposals[0]?.id ?? 0;
  });

  it('day 8: approvals; the sibling on the same file is re-checked and closed with a reason; nothing re-fires', async () => {
    const rubric = await approveProposal(db.pool, rubricId, { reviewer: 'dana' });
    expect(rubric.superseded).toEqual([]);
    const asset = await approveProposal(db.pool, assetId, { reviewer: 'dana' });
    // Both triage proposals insert a section before "## Failure categories": the second no
    // longer applies where it was computed, so it is closed, with the reason, not left dangling.
    expect(asset).toMatchObject({ superseded: [thinId], rebased: [] });
    const [sibling] = (await proposalRows(db)).filter((x) => x.id === thinId);
    expect(sibling?.status).toBe('superseded');
    const note = await db.pool.query<{ decision_note: string }>(
      'SELECT decision_note FROM prompt_proposals WHERE id = $1',
      [thinId],
    );
    expect(note.rows[0]?.decision_note).toMatch(
      new RegExp(`^closed: its diff conflicts with v\\d+ from proposal #${assetId}`),
    );
    // Once unrejectable ("superseded, not pending"); a lead may now reject it.
    await rejectProposal(db.pool, thinId, { reviewer: 'dana', note: 'fold into the next one' });
    // Rejecting twice is refused with the reason.
    await expect(rejectProposal(db.pool, rubricId, { reviewer: 'dana' })).rejects.toThrow(
      DecisionError,
    );
    const r = await pass();
    expect(r.proposals).toEqual([]);
  });

  it('day 14: exactly the proposals a lead should see', async () => {
    const pending = (await proposalRows(db)).filter((x) => x.status === 'pending');
    const closedThin = (await byCat()).includes('triage/insufficient_detail:rejected');
    // Either the sibling was closed (and the lead rejected it) or it was rebased and waits.
    expect(pending.map((x) => `${x.agent}/${x.category}`)).toEqual(
      closedThin && !pending.some((x) => x.id === thinId) ? [] : ['triage/insufficient_detail'],
    );
    expect((await byCat()).sort()).toEqual(
      [
        'qc-worker/follow_up:dismissed',
        'qc-worker/root_cause:approved',
        'triage/insufficient_detail:rejected',
        pending.length
          ? 'triage/insufficient_detail:pending'
          : 'triage/insufficient_detail:rejected',
        'triage/missing_asset_info:approved',
      ].sort(),
    );
    // Nothing the lead decided came back, and the operator heard about schema breaks twice.
    const notices = await db.pool.query<{ category: string }>(
      'SELECT category FROM operator_notices ORDER BY id',
    );
    expect(notices.rows.map((x) => x.category)).toEqual(['schema_invalid', 'schema_invalid']);
  });
});
