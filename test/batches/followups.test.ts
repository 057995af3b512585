import { afterEach, describe, expect, it } from 'vitest';
import type { BatchDeps } from '../../src/batches/deps.js';
import { runBatch } from '../../src/batches/run.js';
import { waitFor } from '../helpers/pipeline.js';
import { type Harness, resultCounts, startHarness, submittedBatches } from './harness.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

/** Realtime Messages calls the simulator received (the batch path should make none). */
const realtimeCalls = (h: Harness) =>
  h.sim.requests().filter((r) => r.method === 'POST' && r.path === '/v1/messages');

interface Graded {
  key: string;
  outcome: string;
  score: number;
  model: string;
  tier: string;
  tier_reason: string | null;
  verdict: unknown;
}

/** Each ticket's stored verdict, keyed by externalId so two databases line up. */
async function verdicts(h: Harness): Promise<Map<string, Graded>> {
  const r = await h.db.pool.query<Graded>(
    `SELECT t.external_id AS key, r.outcome, r.score, r.model, r.tier, r.tier_reason, r.verdict
     FROM qc_results r JOIN tickets t ON t.id = r.ticket_id ORDER BY t.external_id`,
  );
  return new Map(r.rows.map((x) => [x.key, x]));
}

async function llmCalls(h: Harness) {
  const r = await h.db.pool.query<{ purpose: string; tier: string; batch: boolean; n: number }>(
    `SELECT purpose, tier, coalesce(details->>'batch' = 'true', false) AS batch, count(*)::int AS n
     FROM agent_events WHERE kind = 'llm_call' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  );
  return r.rows;
}

async function batchRun(h: Harness, followups?: BatchDeps['followups']) {
  const deps = h.deps(followups ? { followups } : {});
  await runBatch(deps, { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 });
  // A pass that collects a round plans the next one; --wait follows the run until all are collected.
  const rows = await resultCounts(h.db, h.ids);
  expect(rows).toHaveLength(h.ids.length);
  expect(rows.every((r) => r.n === 1 && r.via === 'batch')).toBe(true);
}

async function realtimeRun(h: Harness) {
  await h.p.startWorker({ concurrency: 1 });
  await h.p.enqueue(h.ids);
  await waitFor(
    'realtime results',
    async () => (await resultCounts(h.db, h.ids)).length === h.ids.length,
  );
}

const N = 30;
/** Below every verdict's confidence in the simulator: every ticket tiers up (a full strong grade). */
const ALL_TIER_UP = { QC_MIN_CONFIDENCE: '0.99' };

describe('batch all the way: follow-ups of batch-lane tickets go through Message Batches', () => {
  it('second opinions go out as a second batch round, none realtime; verdicts equal the realtime path', async () => {
    const batch = await startHarness({ tickets: N });
    const realtime = await startHarness({ tickets: N });
    harnesses.push(batch, realtime);

    await batchRun(batch);
    await realtimeRun(realtime);

    expect(realtimeCalls(batch)).toEqual([]);
    const bodies = submittedBatches(batch.sim);
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    const strong = batch.p.config.QC_STRONG_MODEL;
    const followups = bodies.slice(1).flat();
    expect(followups.length).toBeGreaterThan(0);
    expect(followups.every((r) => r.params.model === strong)).toBe(true);
    const tools = followups.map((r) => (r.params.tool_choice as { name: string }).name);
    expect(new Set(tools)).toEqual(new Set(['record_second_opinion']));

    const rounds = await batch.db.pool.query<{ round: number; status: string; n: number }>(
      'SELECT round, status, count(*)::int AS n FROM batch_chunks GROUP BY 1, 2 ORDER BY 1',
    );
    expect(rounds.rows).toEqual([
      { round: 1, status: 'collected', n: 1 },
      { round: 2, status: 'collected', n: 1 },
    ]);
    // Every paid call is batch-priced: the base calls and the tier-ups.
    const calls = await llmCalls(batch);
    expect(calls.every((c) => c.batch)).toBe(true);
    expect(calls.find((c) => c.purpose === 'tier_up')?.n).toBe(followups.length);

    const a = await verdicts(batch);
    const b = await verdicts(realtime);
    expect(a.size).toBe(N);
    expect([...a.values()].filter((v) => v.tier === 'strong' || v.tier_reason).length).toBe(
      followups.length,
    );
    expect(a).toEqual(b);
  });

  it('full tier-ups too (low confidence): same verdicts as realtime, all batch-priced', async () => {
    const batch = await startHarness({ tickets: 12, env: ALL_TIER_UP });
    const realtime = await startHarness({ tickets: 12, env: ALL_TIER_UP });
    harnesses.push(batch, realtime);
    await batchRun(batch);
    await realtimeRun(realtime);

    expect(realtimeCalls(batch)).toEqual([]);
    const second = submittedBatches(batch.sim)[1] ?? [];
    expect(second).toHaveLength(12);
    expect(second.every((r) => r.params.model === batch.p.config.QC_STRONG_MODEL)).toBe(true);
    expect((await llmCalls(batch)).every((c) => c.batch)).toBe(true);
    expect(await verdicts(batch)).toEqual(await verdicts(realtime));
  });

  it('repairs of invalid output go through later rounds; the round limit sends the rest realtime', async () => {
    // Half the replies break the schema: repairs, tier-ups after failed repairs, their repairs.
    const faults = { schemaBreak: 0.5 };
    const all = await startHarness({ tickets: 20, sim: { faults } });
    const limited = await startHarness({ tickets: 20, sim: { faults } });
    harnesses.push(all, limited);

    await batchRun(all);
    expect(realtimeCalls(all)).toEqual([]);
    const calls = await llmCalls(all);
    expect(calls.every((c) => c.batch)).toBe(true);
    expect(calls.find((c) => c.purpose === 'repair')?.n).toBeGreaterThan(0);
    expect(submittedBatches(all.sim).length).toBeGreaterThanOrEqual(3);

    // One follow-up round allowed: what still needs a call after it is made realtime, nothing stuck.
    await batchRun(limited, { via: 'batches', rounds: 1 });
    expect(submittedBatches(limited.sim)).toHaveLength(2);
    expect(realtimeCalls(limited).length).toBeGreaterThan(0);
    const pending = await limited.db.pool.query(
      "SELECT 1 FROM batch_requests WHERE state = 'pending'",
    );
    expect(pending.rowCount).toBe(0);
  });

  it('QC_BATCH_FOLLOWUPS=realtime: one batch, follow-ups realtime, the same verdicts', async () => {
    const viaRealtime = await startHarness({
      tickets: N,
      env: { QC_BATCH_FOLLOWUPS: 'realtime' },
    });
    const viaBatches = await startHarness({ tickets: N });
    harnesses.push(viaRealtime, viaBatches);
    expect(viaRealtime.deps().followups.via).toBe('realtime');

    await batchRun(viaRealtime);
    await batchRun(viaBatches);
    expect(submittedBatches(viaRealtime.sim)).toHaveLength(1);
    const followups = realtimeCalls(viaRealtime);
    expect(followups.length).toBeGreaterThan(0);
    const calls = await llmCalls(viaRealtime);
    expect(calls.filter((c) => !c.batch).map((c) => c.purpose)).toEqual(['tier_up']);
    expect(await verdicts(viaRealtime)).toEqual(await verdicts(viaBatches));
  });
});
