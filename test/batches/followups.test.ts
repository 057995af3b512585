import { describe, expect, it } from 'vitest';
import type { BatchDeps } from '../../src/batches/deps.js';
import { runBatch } from '../../src/batches/run.js';
import { costOf, PriceTable } from '../../src/llm/prices.js';
import { waitFor } from '../helpers/pipeline.js';
import {
  ALL_TIER_UP,
  drain,
  type Harness,
  resultCounts,
  startHarness,
  submittedBatches,
  untilSubmitted,
} from './harness.js';

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

/** A run to the end (--wait follows the run through its rounds): one result per ticket. */
async function batchRun(h: Harness, followups?: BatchDeps['followups']) {
  const deps = h.deps(followups ? { followups } : {});
  await runBatch(deps, { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 });
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

describe('batch all the way: follow-ups of batch-lane tickets go through Message Batches', () => {
  it('second opinions go out as a second batch round, none realtime; verdicts equal the realtime path', async () => {
    const batch = await startHarness({ tickets: N });
    const realtime = await startHarness({ tickets: N });

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
    // …at half the list price of the very same usage, as the API bills a batch.
    const prices = new PriceTable();
    const costed = await batch.db.pool.query<{
      model: string;
      input_tokens: number;
      output_tokens: number;
      cache_creation_input_tokens: number;
      cache_read_input_tokens: number;
      cost_usd: string;
    }>(
      `SELECT model, input_tokens, output_tokens, cache_creation_input_tokens,
         cache_read_input_tokens, cost_usd FROM agent_events
       WHERE kind = 'llm_call' AND purpose = 'tier_up'`,
    );
    for (const c of costed.rows) {
      const usage = {
        ...c,
        cache_creation: { ephemeral_1h_input_tokens: c.cache_creation_input_tokens },
      };
      expect(Number(c.cost_usd)).toBeCloseTo(costOf(prices.get(c.model), usage) / 2, 8);
    }

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
    await batchRun(batch);
    await realtimeRun(realtime);

    expect(realtimeCalls(batch)).toEqual([]);
    const second = submittedBatches(batch.sim)[1] ?? [];
    expect(second).toHaveLength(12);
    expect(second.every((r) => r.params.model === batch.p.config.QC_STRONG_MODEL)).toBe(true);
    // Sent with the run's context prefix (cached for an hour) and the same tool as the first round…
    const first = submittedBatches(batch.sim)[0]?.[0]?.params;
    for (const r of second) {
      expect(r.params.system).toEqual(first?.system);
      expect(r.params.tools).toEqual(first?.tools);
    }
    // …which the journal leaves out (checked between rounds in the 'stored once' test below).
    expect((await llmCalls(batch)).every((c) => c.batch)).toBe(true);
    expect(await verdicts(batch)).toEqual(await verdicts(realtime));
  });

  it('a follow-up journal is stored once, while it is needed: bundling moves it, settling drops it', async () => {
    const h = await startHarness({ tickets: 6, env: ALL_TIER_UP });
    const journalBytes = async () => {
      const r = await h.db.pool.query<{ followups: number; requests: number; prefix: number }>(
        `SELECT (SELECT coalesce(sum(octet_length(journal::text)), 0) FROM batch_followups
                   WHERE chunk_id IS NOT NULL)::int AS followups,
                (SELECT coalesce(sum(octet_length(journal::text)), 0) FROM batch_requests)::int
                   AS requests,
                (SELECT count(*) FROM batch_requests WHERE journal->'request' ? 'system')::int
                   AS prefix`,
      );
      return r.rows[0];
    };
    const deps = h.deps();
    await runBatch(deps, { via: 'batches', trigger: 'cli' });
    await untilSubmitted(h, deps, 2);
    // Between rounds: the journal (replies, draws, the request with the ticket text, not the
    // context prefix the run rebuilds) travels with the round-2 request, and only there.
    const between = await journalBytes();
    expect(between?.requests).toBeGreaterThan(6 * 1_000);
    expect(between?.followups).toBeLessThanOrEqual(6 * 2);
    expect(between?.prefix).toBe(0);
    // Once every request is settled nothing reads a journal again: none is kept.
    await drain(h, deps);
    expect(await resultCounts(h.db, h.ids)).toHaveLength(6);
    const after = await journalBytes();
    expect(after?.requests).toBe(0);
    expect(after?.followups).toBeLessThanOrEqual(6 * 2);
  });

  it('repairs of invalid output go through a second round; past the round limit the rest is realtime', async () => {
    // Every first reply breaks the schema. The simulator answers a batch when it is first read
    // after it is due, so what it is set to then decides that round's replies.
    const sim = { faults: { schemaBreak: 1 }, batch: { processingMs: 1_000 } };
    const all = await startHarness({ tickets: 8, sim });
    const limited = await startHarness({ tickets: 8, sim });

    // The repairs (round 2) come back valid: each ticket graded by the base model, all batch.
    const deps = all.deps();
    await runBatch(deps, { via: 'batches', trigger: 'cli' });
    await untilSubmitted(all, deps, 2);
    all.sim.setOptions({ faults: { schemaBreak: 0 } });
    await drain(all, deps);
    expect(realtimeCalls(all)).toEqual([]);
    expect(submittedBatches(all.sim).map((b) => b.length)).toEqual([8, 8]);
    const repairs = submittedBatches(all.sim)[1] ?? [];
    expect(repairs.every((r) => r.params.model === all.p.config.QC_MODEL)).toBe(true);
    // The repair turn: the broken tool call and its errors follow the ticket.
    expect(repairs.every((r) => (r.params.messages as unknown[]).length === 3)).toBe(true);
    expect(await llmCalls(all)).toEqual([
      { purpose: 'batch', tier: 'base', batch: true, n: 8 },
      { purpose: 'repair', tier: 'base', batch: true, n: 8 },
    ]);
    const graded = await resultCounts(all.db, all.ids);
    expect(graded).toHaveLength(8);
    expect(graded.every((r) => r.n === 1)).toBe(true);

    // One follow-up round allowed and the repairs break too: the tier-up after them is made
    // realtime (valid by then), nothing is left waiting.
    const one = limited.deps({ followups: { via: 'batches', rounds: 1 } });
    await runBatch(one, { via: 'batches', trigger: 'cli' });
    const second = await untilSubmitted(limited, one, 2);
    await waitFor(
      'round 2 answered',
      async () =>
        (await one.anthropic.messages.batches.retrieve(second)).processing_status === 'ended',
    );
    limited.sim.setOptions({ faults: { schemaBreak: 0 } });
    await drain(limited, one);
    expect(submittedBatches(limited.sim)).toHaveLength(2);
    expect(realtimeCalls(limited)).toHaveLength(8);
    expect(await llmCalls(limited)).toEqual([
      { purpose: 'batch', tier: 'base', batch: true, n: 8 },
      { purpose: 'repair', tier: 'base', batch: true, n: 8 },
      { purpose: 'tier_up', tier: 'strong', batch: false, n: 8 },
    ]);
    expect(await resultCounts(limited.db, limited.ids)).toHaveLength(8);
  });

  it('output that stays invalid through every round fails the ticket, and a later run selects it again', async () => {
    const h = await startHarness({ tickets: 4, sim: { faults: { schemaBreak: 1 } } });
    const deps = h.deps();
    await runBatch(deps, { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 });
    expect(realtimeCalls(h)).toEqual([]);
    // Base, its repair, the strong model, its repair: four rounds, the last one the limit.
    expect(submittedBatches(h.sim).map((b) => b.length)).toEqual([4, 4, 4, 4]);
    const states = await h.db.pool.query<{ round: number; state: string; n: number }>(
      'SELECT round, state, count(*)::int AS n FROM batch_requests GROUP BY 1, 2 ORDER BY 1',
    );
    expect(states.rows).toEqual([
      { round: 1, state: 'followup', n: 4 },
      { round: 2, state: 'followup', n: 4 },
      { round: 3, state: 'followup', n: 4 },
      { round: 4, state: 'failed', n: 4 },
    ]);
    expect(await resultCounts(h.db, h.ids)).toEqual([]);
    // Every reply recorded once, batch-priced, though no verdict came of it.
    const calls = await llmCalls(h);
    expect(calls.reduce((s, c) => s + c.n, 0)).toBe(16);
    expect(calls.every((c) => c.batch)).toBe(true);

    const again = await runBatch(deps, { via: 'batches', trigger: 'cli' });
    expect(again.mapped).toBe(4);
  });

  it('QC_BATCH_FOLLOWUPS=realtime: one batch, follow-ups realtime, the same verdicts', async () => {
    const viaRealtime = await startHarness({
      tickets: N,
      env: { QC_BATCH_FOLLOWUPS: 'realtime' },
    });
    const viaBatches = await startHarness({ tickets: N });
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
