import { describe, expect, it } from 'vitest';
import { type CrashAt, InjectedCrash } from '../../src/batches/crash.js';
import { runBatch } from '../../src/batches/run.js';
import {
  type Harness,
  REALTIME_FOLLOWUPS,
  resultCounts,
  startHarness,
  submittedBatches,
} from './harness.js';

let h: Harness | undefined;

const TICKETS = 25;

/**
 * A crash is an exception thrown at a named point (src/batches/crash.ts): what
 * is stored at that moment is what a kill would leave. The rerun is a fresh
 * `batch run` with no memory of the first.
 */
async function crashThenRerun(crashAt: CrashAt, rerunExtra: { submitGraceMs?: number } = {}) {
  h = await startHarness({ tickets: TICKETS });
  const limits = { ...h.deps().limits, maxRequests: 10 };
  const crashing = h.deps({ limits, crashAt, followups: REALTIME_FOLLOWUPS });
  await expect(
    runBatch(crashing, { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 }),
  ).rejects.toBeInstanceOf(InjectedCrash);
  const before = await resultCounts(h.db, h.ids);
  const stored = await h.db.pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM batch_chunks GROUP BY status ORDER BY status',
  );
  const createdBeforeRerun = submittedBatches(h.sim).length;

  const rerun = h.deps({ limits, followups: REALTIME_FOLLOWUPS, ...rerunExtra });
  const report = await runBatch(rerun, { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 });

  const rows = await resultCounts(h.db, h.ids);
  expect(rows).toHaveLength(TICKETS);
  expect(rows.every((r) => r.n === 1)).toBe(true);

  // No request submitted twice: every ticket in exactly one create body, one create per chunk.
  const batches = submittedBatches(h.sim);
  const tickets = batches.flat().map((r) => Number(/^t(\d+)-c\d+$/.exec(r.custom_id)?.[1]));
  expect(tickets.sort((a, b) => a - b)).toEqual([...h.ids].sort((a, b) => a - b));
  const chunks = await h.db.pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM batch_chunks GROUP BY status',
  );
  expect(chunks.rows).toEqual([{ status: 'collected', n: 3 }]);
  expect(batches).toHaveLength(3);

  // Each batch reply costed once: one batch-priced llm_call per ticket.
  const calls = await h.db.pool.query<{ ticket_id: number; n: number }>(
    `SELECT ticket_id, count(*)::int AS n FROM agent_events
     WHERE kind = 'llm_call' AND purpose = 'batch' GROUP BY ticket_id`,
  );
  expect(calls.rows).toHaveLength(TICKETS);
  expect(calls.rows.every((r) => r.n === 1)).toBe(true);
  return { before, report, stored: stored.rows, createdBeforeRerun };
}

describe('crash safety: a crash at each step, then a rerun → no duplicate results, no request submitted twice', () => {
  it('after storing a chunk mapping (selection unfinished): the rerun resumes the same run', async () => {
    const { before, report, stored, createdBeforeRerun } = await crashThenRerun({
      point: 'after-mapping',
    });
    expect(stored).toEqual([{ status: 'prepared', n: 1 }]);
    expect(createdBeforeRerun).toBe(0);
    expect(before).toHaveLength(0);
    expect(report.resumed).toBe(true);
    const runs = await h?.db.pool.query('SELECT id FROM batch_runs');
    expect(runs?.rowCount).toBe(1);
  });

  it('after marking a chunk submitting, before the create call: not in the list → submitted once', async () => {
    const { report, stored, createdBeforeRerun } = await crashThenRerun(
      { point: 'before-create' },
      { submitGraceMs: 0 },
    );
    expect(stored).toEqual([
      { status: 'prepared', n: 2 },
      { status: 'submitting', n: 1 },
    ]);
    expect(createdBeforeRerun).toBe(0);
    expect(report.ticks[0]?.reconciled).toEqual({ 'not-created': 1 });
  });

  it('between creating a batch and storing its id: found in messages.batches.list and adopted', async () => {
    const { report, stored, createdBeforeRerun } = await crashThenRerun({ point: 'after-create' });
    expect(stored).toEqual([
      { status: 'prepared', n: 2 },
      { status: 'submitting', n: 1 },
    ]);
    expect(createdBeforeRerun).toBe(1);
    expect(report.ticks[0]?.reconciled).toEqual({ adopted: 1 });
  });

  it('in the middle of ingesting results: the rerun grades only what is left', async () => {
    const { before, createdBeforeRerun } = await crashThenRerun({ point: 'mid-results', after: 7 });
    expect(createdBeforeRerun).toBe(3);
    expect(before.length).toBeGreaterThanOrEqual(7);
    expect(before.length).toBeLessThan(TICKETS);
  });
});
