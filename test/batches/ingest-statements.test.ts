import { describe, expect, it, vi } from 'vitest';
import { runBatch } from '../../src/batches/run.js';
import { ALL_TIER_UP, drain, type Harness, resultCounts, startHarness } from './harness.js';

let h: Harness | undefined;

/**
 * What collecting asks about each entry before grading it: the result stored
 * for its ticket and context version (a crash after saveGrade, or a realtime
 * job's), and whether a newer version of the ticket is stored. Asked one
 * entry at a time, these were two statements of their own (the patterns
 * below); now a page of entries is asked for its results in one statement
 * (db/batches.ts entryChecksOf), and the newer version rides on the read of
 * the entry's ticket just before grading it (db/tickets.ts getTicketToGrade).
 */
const ONE_ENTRY =
  /FROM qc_results WHERE ticket_id = \$1 |WHERE t\.id = \$1 AND \(n\.ticket_updated_at, n\.id\) >/;
const A_PAGE = /FROM unnest\(\$1::bigint\[\]\) AS e\(ticket_id\)\s+LEFT JOIN qc_results/;

/** Statements sent through the pool while `fn` runs, by their text. */
async function statements(pool: Harness['db']['pool'], fn: () => Promise<void>): Promise<string[]> {
  const spy = vi.spyOn(pool, 'query');
  try {
    await fn();
    return spy.mock.calls.map((c) => {
      const q = c[0] as unknown;
      return typeof q === 'string' ? q : String((q as { text?: unknown }).text ?? '');
    });
  } finally {
    spy.mockRestore();
  }
}

describe('collecting a chunk reads its entries’ stored results a page at a time, with no lookup of its own per entry', () => {
  it('12 tickets, a follow-up round each, pages of 5: three lookups per round, not two per entry', async () => {
    const tickets = 12;
    h = await startHarness({ tickets, env: ALL_TIER_UP });
    const x = h;
    const deps = x.deps({ ingestPage: 5 });

    const sent = await statements(x.db.pool, async () => {
      await runBatch(deps, { via: 'batches', trigger: 'cli' });
      await drain(x, deps);
    });

    // Both rounds graded as before: every ticket tiered up through round 2, graded once.
    const graded = await resultCounts(x.db, x.ids);
    expect(graded).toHaveLength(tickets);
    expect(graded.every((r) => r.n === 1 && r.via === 'batch')).toBe(true);
    const states = await x.db.pool.query<{ round: number; state: string; n: number }>(
      'SELECT round, state, count(*)::int AS n FROM batch_requests GROUP BY 1, 2 ORDER BY 1',
    );
    expect(states.rows).toEqual([
      { round: 1, state: 'followup', n: tickets },
      { round: 2, state: 'graded', n: tickets },
    ]);
    // Two statements per entry before (2 × 12 entries × 2 rounds = 48); one per page of 5 now.
    expect(sent.filter((s) => ONE_ENTRY.test(s))).toEqual([]);
    expect(sent.filter((s) => A_PAGE.test(s))).toHaveLength(2 * Math.ceil(tickets / 5));
  });
});
