import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batches/run.js';
import type { Pool } from '../../src/db/pool.js';
import { drain, type Harness, resultCounts, startHarness, untilSubmitted } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Every ticket tiers up (a confidence no verdict reaches): each has one follow-up round. */
const ALL_TIER_UP = { QC_MIN_CONFIDENCE: '0.99' };

/**
 * The real pool, watched: for every statement run on it, how many of the rows
 * it returned carry a journal. What one statement returns is what the process
 * holds at once from it.
 */
function watched(pool: Pool): { pool: Pool; journalsPerQuery: number[] } {
  const journalsPerQuery: number[] = [];
  const query = async (...args: unknown[]) => {
    const r = (await (pool.query as (...a: unknown[]) => Promise<pg.QueryResult>)(
      ...args,
    )) as pg.QueryResult;
    const n = (r.rows ?? []).filter(
      (row: Record<string, unknown>) => row.journal !== undefined && row.journal !== null,
    ).length;
    if (n > 0) journalsPerQuery.push(n);
    return r;
  };
  const proxy = new Proxy(pool, {
    get(target, key) {
      if (key === 'query') return query;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { pool: proxy, journalsPerQuery };
}

describe('collecting a follow-up round holds the journals of the entries in flight, not the chunk', () => {
  it('a round of 12 follow-ups read 2 at a time: each journal loaded alone, every entry graded once', async () => {
    const tickets = 12;
    h = await startHarness({ tickets, env: ALL_TIER_UP });
    const deps = h.deps({ ingestConcurrency: 2 });
    await runBatch(deps, { via: 'batches', trigger: 'cli' });
    await untilSubmitted(h, deps, 2);

    const w = watched(h.db.pool);
    await drain(h, { ...deps, pool: w.pool });

    // One journal per statement: loaded when its entry is read, never the chunk's all at once.
    expect(w.journalsPerQuery).toHaveLength(tickets);
    expect(Math.max(...w.journalsPerQuery)).toBe(1);
    const graded = await resultCounts(h.db, h.ids);
    expect(graded).toHaveLength(tickets);
    expect(graded.every((r) => r.n === 1 && r.via === 'batch')).toBe(true);
    const states = await h.db.pool.query<{ round: number; state: string; n: number }>(
      'SELECT round, state, count(*)::int AS n FROM batch_requests GROUP BY 1, 2 ORDER BY 1',
    );
    expect(states.rows).toEqual([
      { round: 1, state: 'followup', n: tickets },
      { round: 2, state: 'graded', n: tickets },
    ]);
    // Each tier-up reply recorded once, batch-priced.
    const calls = await h.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM agent_events
       WHERE kind = 'llm_call' AND purpose = 'tier_up' AND details->>'batch' = 'true'`,
    );
    expect(calls.rows[0]?.n).toBe(tickets);
  });
});
