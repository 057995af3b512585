import { describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batches/run.js';
import { createAnthropic } from '../../src/llm/client.js';
import {
  type Harness,
  REALTIME_FOLLOWUPS,
  resultCounts,
  startHarness,
  submittedBatches,
} from './harness.js';

let h: Harness | undefined;

/**
 * Two chunks of the same size whose create calls both end in an unknown
 * outcome: the first never reached the API, the second created its batch but
 * the answer was lost. Settling the first from messages.batches.list must not
 * adopt the second one's batch (the second would then be submitted twice and
 * the first's tickets never) — so no chunk is submitted while another one's
 * create outcome is still unknown.
 */
describe('create calls with an unknown outcome', () => {
  it('are settled one at a time: every ticket is submitted exactly once and graded once', async () => {
    h = await startHarness({ tickets: 20 });
    const simUrl = h.sim.url;
    let creates = 0;
    const flaky: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (init?.method === 'POST' && new URL(url).pathname === '/v1/messages/batches') {
        creates++;
        if (creates === 1) throw new TypeError('fetch failed: connect ECONNRESET');
        if (creates === 2) {
          await fetch(input, init);
          throw new TypeError('fetch failed: socket hang up');
        }
      }
      return fetch(input, init);
    };
    const base = h.deps();
    const deps = {
      ...base,
      anthropic: createAnthropic({ baseURL: simUrl, timeoutMs: 10_000, fetch: flaky }),
      limits: { ...base.limits, maxRequests: 10 },
      submitGraceMs: 0,
      followups: REALTIME_FOLLOWUPS,
    };
    const report = await runBatch(deps, { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 });
    expect(report.mapped).toBe(20);

    const bodies = submittedBatches(h.sim);
    const tickets = bodies.flat().map((r) => Number(/^t(\d+)-c\d+$/.exec(r.custom_id)?.[1]));
    expect(tickets.sort((a, b) => a - b)).toEqual([...h.ids].sort((a, b) => a - b));
    expect(bodies).toHaveLength(2);

    const rows = await resultCounts(h.db, h.ids);
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.n === 1 && r.via === 'batch')).toBe(true);
    const unknown = await h.db.pool.query("SELECT 1 FROM batch_requests WHERE state <> 'graded'");
    expect(unknown.rowCount).toBe(0);
    expect(report.ticks.some((t) => t.heldForUnsettled > 0)).toBe(true);
  });
});

/**
 * A batch reply is paid for when the batch ends. If grading it cannot finish
 * (here every tier-up to the strong model is overloaded) the entry is retried
 * on later passes and finally sent to the realtime queue: the reply's cost is
 * recorded once, when the collector gives up on it — not lost, not repeated.
 */
describe('a batch reply whose grading keeps failing', () => {
  it('is costed exactly once when its entry goes to the realtime queue', async () => {
    h = await startHarness({
      tickets: 4,
      env: { QC_MIN_CONFIDENCE: '0.99', ANTHROPIC_MAX_RETRIES: '0' },
    });
    const strong = h.p.config.QC_STRONG_MODEL;
    const overloadStrong: typeof fetch = async (input, init) => {
      const body = JSON.parse(String(init?.body ?? '{}')) as { model?: string };
      if (body.model !== strong) return fetch(input, init);
      return new Response(
        JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } }),
        { status: 529, headers: { 'content-type': 'application/json' } },
      );
    };
    const base = h.deps();
    const client = createAnthropic({
      baseURL: h.sim.url,
      timeoutMs: 10_000,
      fetch: overloadStrong,
    });
    await runBatch(
      // Realtime tier-ups are what fails here (batch follow-ups: followups.test.ts).
      { ...base, llm: { ...base.llm, client }, followups: REALTIME_FOLLOWUPS },
      { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 },
    );
    const states = await h.db.pool.query<{ state: string }>(
      'SELECT DISTINCT state FROM batch_requests',
    );
    expect(states.rows).toEqual([{ state: 'requeued' }]);
    const calls = await h.db.pool.query<{ ticket_id: number; n: number; job_id: string }>(
      `SELECT ticket_id, count(*)::int AS n, min(job_id) AS job_id FROM agent_events
       WHERE kind = 'llm_call' AND purpose = 'batch' GROUP BY ticket_id`,
    );
    expect(calls.rows.map((r) => r.ticket_id).sort((a, b) => a - b)).toEqual(
      [...h.ids].sort((a, b) => a - b),
    );
    expect(calls.rows.every((r) => r.n === 1 && /^t\d+-c\d+$/.test(r.job_id))).toBe(true);
    expect(await resultCounts(h.db, h.ids)).toEqual([]);
  });
});
