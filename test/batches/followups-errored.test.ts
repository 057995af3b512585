import type { SimulatorOptionsPatch } from '@ticket-qc/anthropic-simulator';
import { describe, expect, it } from 'vitest';
import { InjectedCrash } from '../../src/batches/crash.js';
import { runBatch } from '../../src/batches/run.js';
import { waitFor } from '../helpers/pipeline.js';
import {
  ALL_TIER_UP,
  batchCalls,
  drain,
  type Harness,
  REALTIME_FOLLOWUPS,
  realtimeCalls,
  resultCounts,
  startHarness,
  untilSubmitted,
} from './harness.js';

const TICKETS = 4;

/** Every ticket's tier-up journaled and sent as round 2; `fate` decides round 2's entries. */
async function round2With(fate: SimulatorOptionsPatch['batch']) {
  // Long enough that round 2 is not answered before the fate is set: the simulator answers a
  // batch when it is first read after it is due.
  const x = await startHarness({
    tickets: TICKETS,
    env: ALL_TIER_UP,
    sim: { batch: { processingMs: 1_000 } },
  });
  const deps = x.deps();
  await runBatch(deps, { via: 'batches', trigger: 'cli' });
  await untilSubmitted(x, deps, 2);
  x.sim.setOptions({ batch: fate });
  return { x, deps };
}

async function round2States(x: Harness) {
  const r = await x.db.pool.query<{ state: string; result_type: string; n: number }>(
    `SELECT state, result_type, count(*)::int AS n FROM batch_requests WHERE round = 2
     GROUP BY 1, 2`,
  );
  return r.rows;
}

/** Each first-round reply recorded once, batch-priced; no ticket's base call bought again. */
async function expectBaseOnce(x: Harness) {
  for (const id of x.ids) expect(await batchCalls(x, id)).toEqual([{ purpose: 'batch', n: 1 }]);
  const base = realtimeCalls(x).filter(
    (r) => (r.body as { model: string }).model === x.p.config.QC_MODEL,
  );
  expect(base).toEqual([]);
}

/**
 * Every ticket graded once by the realtime queue from its batch replies: past
 * the 3 × TICKETS refused calls, only the tier-up each entry still needed was
 * asked realtime, and the base reply is the batch's (expectBaseOnce).
 */
async function expectGradedFromReplies(x: Harness, what: string) {
  const graded = await waitFor(what, async () => {
    const r = await resultCounts(x.db, x.ids);
    return r.length === TICKETS ? r : undefined;
  });
  expect(graded.every((r) => r.n === 1)).toBe(true);
  const model = (r: { body: unknown }) => (r.body as { model: string }).model;
  expect(
    realtimeCalls(x)
      .slice(3 * TICKETS)
      .map(model),
  ).toEqual(Array(TICKETS).fill(x.p.config.QC_STRONG_MODEL));
  await expectBaseOnce(x);
}

describe('a follow-up entry that comes back errored or expired', () => {
  it.each([
    ['errored (overloaded_error)', { erroredRate: 1, erroredType: 'overloaded_error' as const }],
    [
      'errored (invalid_request_error)',
      { erroredRate: 1, erroredType: 'invalid_request_error' as const },
    ],
    ['expired', { expiredRate: 1 }],
  ])(
    '%s: finished realtime from its journal, graded once, its earlier replies recorded once',
    async (_, fate) => {
      const { x, deps } = await round2With(fate);
      await drain(x, deps);

      const graded = await resultCounts(x.db, x.ids);
      expect(graded).toHaveLength(TICKETS);
      expect(graded.every((r) => r.n === 1 && r.via === 'batch')).toBe(true);
      const type = 'expiredRate' in fate ? 'expired' : 'errored';
      expect(await round2States(x)).toEqual([{ state: 'graded', result_type: type, n: TICKETS }]);
      // Only the tier-up each entry stood for is asked again, realtime, once.
      const realtime = realtimeCalls(x);
      expect(realtime).toHaveLength(TICKETS);
      expect(
        realtime.every((r) => (r.body as { model: string }).model === x.p.config.QC_STRONG_MODEL),
      ).toBe(true);
      const tierUps = await x.db.pool.query<{ batch: boolean; n: number }>(
        `SELECT coalesce(details->>'batch' = 'true', false) AS batch, count(*)::int AS n
       FROM agent_events WHERE kind = 'llm_call' AND purpose = 'tier_up' GROUP BY 1`,
      );
      expect(tierUps.rows).toEqual([{ batch: false, n: TICKETS }]);
      await expectBaseOnce(x);
      const again = await runBatch(x.deps(), { via: 'batches', trigger: 'cli' });
      expect(again.mapped).toBe(0);
    },
  );

  it('errored, and refused realtime too: requeued after 3 tries with its batch replies recorded once', async () => {
    const { x, deps } = await round2With({ erroredRate: 1, erroredType: 'invalid_request_error' });
    // The realtime call each entry falls back to is refused as well, every try.
    x.sim.injectError({
      type: 'invalid_request_error',
      method: 'POST',
      path: '/v1/messages',
      count: 3 * TICKETS,
    });
    await drain(x, deps);

    expect(realtimeCalls(x)).toHaveLength(3 * TICKETS);
    expect(await round2States(x)).toEqual([
      { state: 'requeued', result_type: 'errored', n: TICKETS },
    ]);
    expect(await resultCounts(x.db, x.ids)).toEqual([]);
    await expectBaseOnce(x);
    // Not stuck: each ticket waits on the realtime queue (behind live tickets).
    const jobs = await x.p.queue.getJobs(['prioritized', 'waiting']);
    expect(jobs.map((j) => (j.data as { ticketId: number }).ticketId).sort()).toEqual(
      [...x.ids].sort(),
    );
    const status = await x.db.pool.query<{ qc_status: string; n: number }>(
      `SELECT qc_status, count(*)::int AS n FROM tickets WHERE id = ANY($1::bigint[]) GROUP BY 1`,
      [x.ids],
    );
    expect(status.rows).toEqual([{ qc_status: 'queued', n: TICKETS }]);
  });

  it('requeued after 3 refused tries: the realtime job grades from its batch replies, the base call paid and recorded once', async () => {
    const { x, deps } = await round2With({ erroredRate: 1, erroredType: 'invalid_request_error' });
    x.sim.injectError({
      type: 'invalid_request_error',
      method: 'POST',
      path: '/v1/messages',
      count: 3 * TICKETS,
    });
    await drain(x, deps);
    expect(await round2States(x)).toEqual([
      { state: 'requeued', result_type: 'errored', n: TICKETS },
    ]);

    // The realtime queue takes them over (the refusals are used up): each ticket graded once.
    await x.p.startWorker();
    await expectGradedFromReplies(x, 'the requeued tickets graded');
  });
});

describe('a requeue killed before its request is settled, its job already queued', () => {
  it('the job grades from the pending request’s replies; the rerun records them once', async () => {
    const { x, deps } = await round2With({ erroredRate: 1, erroredType: 'invalid_request_error' });
    x.sim.injectError({
      type: 'invalid_request_error',
      method: 'POST',
      path: '/v1/messages',
      count: 3 * TICKETS,
    });
    await expect(
      drain(x, { ...deps, crashAt: { point: 'requeue-recorded' } }),
    ).rejects.toBeInstanceOf(InjectedCrash);
    const pending = await x.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM batch_requests WHERE round = 2 AND state = 'pending'`,
    );
    expect(pending.rows[0]?.n).toBeGreaterThan(0);
    const queued = await x.p.queue.getJobs(['prioritized', 'waiting']);
    expect(queued.length).toBeGreaterThan(0);

    // The worker takes the queued jobs before any rerun settles their requests.
    await x.p.startWorker();
    await waitFor('the queued tickets graded', async () => {
      const r = await resultCounts(x.db, x.ids);
      return r.length === queued.length || undefined;
    });
    await drain(x, deps);
    await expectGradedFromReplies(x, 'every ticket graded');
  });
});

describe('a first-round entry whose realtime tier-up is refused 3 times', () => {
  it('requeued, then graded by the realtime job from its batch reply: the base call paid and recorded once', async () => {
    const x = await startHarness({
      tickets: TICKETS,
      env: ALL_TIER_UP,
      sim: { batch: { processingMs: 1_000 } },
    });
    // Follow-ups realtime: each entry's tier-up is asked while the results are read, and refused
    // (once the batch is created: the create call is a POST under /v1/messages too).
    const deps = x.deps({ followups: REALTIME_FOLLOWUPS });
    await runBatch(deps, { via: 'batches', trigger: 'cli' });
    x.sim.injectError({
      type: 'invalid_request_error',
      method: 'POST',
      path: '/v1/messages',
      count: 3 * TICKETS,
    });
    await drain(x, deps);
    expect(realtimeCalls(x)).toHaveLength(3 * TICKETS);
    const states = await x.db.pool.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM batch_requests GROUP BY 1',
    );
    expect(states.rows).toEqual([{ state: 'requeued', n: TICKETS }]);

    await x.p.startWorker();
    await expectGradedFromReplies(x, 'the requeued tickets graded');
  });
});
