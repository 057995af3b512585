import { describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batches/run.js';
import { tick } from '../../src/batches/tick.js';
import { inFlight, waitFor } from '../helpers/pipeline.js';
import {
  ALL_TIER_UP,
  batchCalls,
  drain,
  type Harness,
  realtimeCalls,
  resultCounts,
  startHarness,
  submittedBatches,
} from './harness.js';

let h: Harness | undefined;

const TICKETS = 4;

/** The first round collected and its tier-ups bundled into a round-2 chunk not yet submitted. */
async function untilRound2Prepared(x: Harness) {
  const deps = x.deps();
  await runBatch(deps, { via: 'batches', trigger: 'cli' });
  // Looked for before each pass, not after: a pass submits the chunks prepared when it starts,
  // and on a slow machine runBatch's own pass may already have bundled round 2.
  const chunk = await waitFor('round 2 mapped', async () => {
    const r = await x.db.pool.query<{ id: number; bytes: number; status: string }>(
      `SELECT id, bytes::int AS bytes, status FROM batch_chunks WHERE round = 2`,
    );
    if (r.rows[0]) return r.rows[0];
    await tick(deps);
    return undefined;
  });
  expect(chunk.status).toBe('prepared');
  return { deps, chunk };
}

/** Every ticket graded once; its first-round reply recorded once, batch-priced, and never bought again. */
async function expectBaseRecordedOnce(x: Harness) {
  const graded = await resultCounts(x.db, x.ids);
  expect(graded).toHaveLength(TICKETS);
  expect(graded.every((r) => r.n === 1)).toBe(true);
  for (const id of x.ids) {
    const calls = await x.db.pool.query<{ purpose: string; batch: boolean; n: number }>(
      `SELECT purpose, coalesce(details->>'batch' = 'true', false) AS batch, count(*)::int AS n
       FROM agent_events WHERE kind = 'llm_call' AND ticket_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
      [id],
    );
    expect(calls.rows.filter((c) => c.purpose === 'batch')).toEqual([
      { purpose: 'batch', batch: true, n: 1 },
    ]);
    expect(calls.rows.filter((c) => c.purpose === 'tier_up').reduce((s, c) => s + c.n, 0)).toBe(1);
  }
  // No base request sent twice: the first round is the only batch with the base model.
  const base = x.p.config.QC_MODEL;
  const basesSent = submittedBatches(x.sim)
    .flat()
    .filter((r) => r.params.model === base);
  expect(basesSent).toHaveLength(TICKETS);
  // Nothing for a later run to pick up again.
  const again = await runBatch(x.deps(), { via: 'batches', trigger: 'cli' });
  expect(again.mapped).toBe(0);
}

describe('a follow-up round the API refuses outright at create', () => {
  it('400 invalid_request_error: its tickets finish realtime from the replies they have', async () => {
    h = await startHarness({ tickets: TICKETS, env: ALL_TIER_UP });
    const { deps, chunk } = await untilRound2Prepared(h);
    h.sim.injectError({
      type: 'invalid_request_error',
      method: 'POST',
      path: '/v1/messages/batches',
      message: 'requests.0.params: injected refusal',
    });
    await drain(h, deps);

    // The refused create was the only attempt at round 2; each tier-up was then made realtime.
    expect(submittedBatches(h.sim).map((b) => b.length)).toEqual([TICKETS, TICKETS]);
    const strong = h.p.config.QC_STRONG_MODEL;
    const realtime = realtimeCalls(h);
    expect(realtime).toHaveLength(TICKETS);
    expect(realtime.every((r) => (r.body as { model: string }).model === strong)).toBe(true);
    await expectBaseRecordedOnce(h);
    for (const id of h.ids) expect(await batchCalls(h, id)).toEqual([{ purpose: 'batch', n: 1 }]);

    // Visible: the chunk keeps the API's refusal, its requests say how they ended, and a log line.
    const c = await h.db.pool.query<{ status: string; error: string }>(
      'SELECT status, error FROM batch_chunks WHERE id = $1',
      [chunk.id],
    );
    expect(c.rows[0]?.status).toBe('collected');
    expect(c.rows[0]?.error).toMatch(/injected refusal/);
    const reqs = await h.db.pool.query<{ state: string; result_type: string; n: number }>(
      `SELECT state, result_type, count(*)::int AS n FROM batch_requests WHERE chunk_id = $1
       GROUP BY 1, 2`,
      [chunk.id],
    );
    expect(reqs.rows).toEqual([{ state: 'graded', result_type: 'refused', n: TICKETS }]);
    expect(
      h.p.logs.some(
        (l) => l.msg === 'follow-up batch refused by the API: its requests are finished realtime',
      ),
    ).toBe(true);
  });

  it('a refused round is finished realtime several requests at a time, as results are read', async () => {
    h = await startHarness({ tickets: TICKETS, env: ALL_TIER_UP });
    const { chunk } = await untilRound2Prepared(h);
    const deps = h.deps({ ingestConcurrency: TICKETS });
    h.sim.injectError({
      type: 'invalid_request_error',
      method: 'POST',
      path: '/v1/messages/batches',
    });
    h.sim.setOptions({ latencyMs: 400 });
    const x = h;
    const done = drain(x, deps);
    // Every tier-up in flight at once, not one after another.
    await waitFor(
      'all refused requests in flight together',
      async () => inFlight(x.sim) === TICKETS,
    );
    await done;
    const graded = await h.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM batch_requests WHERE chunk_id = $1 AND state = 'graded'`,
      [chunk.id],
    );
    expect(graded.rows[0]?.n).toBe(TICKETS);
  });

  it('413 request_too_large: the round is split until it fits, still batch all the way', async () => {
    h = await startHarness({ tickets: TICKETS, env: ALL_TIER_UP });
    const { deps, chunk } = await untilRound2Prepared(h);
    // The API takes half of this chunk, not all of it.
    h.sim.setOptions({ batch: { maxBytes: Math.ceil(chunk.bytes * 0.6) } });
    await drain(h, deps);

    expect(realtimeCalls(h)).toEqual([]);
    // The refused body, then its two halves.
    expect(submittedBatches(h.sim).map((b) => b.length)).toEqual([TICKETS, TICKETS, 2, 2]);
    const round2 = await h.db.pool.query<{ status: string; request_count: number }>(
      'SELECT status, request_count FROM batch_chunks WHERE round = 2 ORDER BY id',
    );
    expect(round2.rows).toEqual([
      { status: 'collected', request_count: 2 },
      { status: 'collected', request_count: 2 },
    ]);
    // custom_ids still name their chunk.
    const ids = await h.db.pool.query<{ custom_id: string; chunk_id: number }>(
      'SELECT custom_id, chunk_id FROM batch_requests WHERE round = 2',
    );
    for (const r of ids.rows) expect(r.custom_id).toMatch(new RegExp(`-c${r.chunk_id}$`));
    await expectBaseRecordedOnce(h);
    for (const id of h.ids)
      expect(await batchCalls(h, id)).toEqual([
        { purpose: 'batch', n: 1 },
        { purpose: 'tier_up', n: 1 },
      ]);
    expect(
      h.p.logs.some((l) => l.msg === 'follow-up batch too large for the API: split in two'),
    ).toBe(true);
  });

  it('413 for a single request: that one finishes realtime', async () => {
    h = await startHarness({ tickets: TICKETS, env: ALL_TIER_UP });
    const { deps } = await untilRound2Prepared(h);
    h.sim.setOptions({ batch: { maxBytes: 1_000 } });
    await drain(h, deps);

    // 4 → 2 + 2 → 1 + 1 + 1 + 1, each refused, then realtime.
    expect(submittedBatches(h.sim).map((b) => b.length)).toEqual([TICKETS, 4, 2, 2, 1, 1, 1, 1]);
    expect(realtimeCalls(h)).toHaveLength(TICKETS);
    await expectBaseRecordedOnce(h);
  });
});
