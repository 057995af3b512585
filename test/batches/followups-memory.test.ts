import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { planFollowupRounds } from '../../src/batches/rounds.js';
import { runBatch } from '../../src/batches/run.js';
import type { Pool } from '../../src/db/pool.js';
import {
  ALL_TIER_UP,
  drain,
  type Harness,
  resultCounts,
  runUntilCrash,
  startHarness,
  untilSubmitted,
} from './harness.js';

let h: Harness | undefined;

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

describe('bundling a follow-up backlog holds a page of journals, not the backlog', () => {
  it('12 follow-ups, pages of 4, chunks of 5: bundled across pages, each into exactly one request', async () => {
    const tickets = 12;
    h = await startHarness({ tickets, env: ALL_TIER_UP });
    // The first round in one chunk, killed once every entry is journaled: the backlog waits unbundled.
    await runUntilCrash(h, { point: 'mid-results', after: tickets });
    const backlog = await h.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM batch_followups WHERE chunk_id IS NULL',
    );
    expect(backlog.rows[0]?.n).toBe(tickets);

    const base = h.deps();
    const w = watched(h.db.pool);
    const deps = {
      ...base,
      pool: w.pool,
      followupPage: 4,
      limits: { ...base.limits, maxRequests: 5 },
    };
    expect(await planFollowupRounds(deps)).toBe(3);

    // No statement returned more than a page of journals; the backlog was read across pages.
    expect(w.journalsPerQuery).toEqual([4, 4, 4]);
    const chunks = await h.db.pool.query<{ request_count: number; n: number }>(
      `SELECT c.request_count, count(r.*)::int AS n FROM batch_chunks c
       JOIN batch_requests r ON r.chunk_id = c.id WHERE c.round = 2 GROUP BY c.id ORDER BY c.id`,
    );
    expect(chunks.rows).toEqual([
      { request_count: 5, n: 5 },
      { request_count: 5, n: 5 },
      { request_count: 2, n: 2 },
    ]);
    // Every follow-up in exactly one next-round request, its journal moved there.
    const landed = await h.db.pool.query<{ ticket_id: number; n: number; journals: number }>(
      `SELECT f.ticket_id, count(r.*)::int AS n, count(r.journal)::int AS journals
       FROM batch_followups f
       JOIN batch_requests r ON r.chunk_id = f.chunk_id AND r.ticket_id = f.ticket_id
       WHERE f.journal = '{}'::jsonb AND r.journal ? 'base'
       GROUP BY f.ticket_id ORDER BY f.ticket_id`,
    );
    expect(landed.rows).toEqual(
      [...h.ids].sort((a, b) => a - b).map((id) => ({ ticket_id: id, n: 1, journals: 1 })),
    );

    // The round runs like any other: each ticket graded once, each tier-up paid and recorded once.
    await drain(h, base);
    const graded = await resultCounts(h.db, h.ids);
    expect(graded).toHaveLength(tickets);
    expect(graded.every((r) => r.n === 1 && r.via === 'batch')).toBe(true);
    const calls = await h.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM agent_events
       WHERE kind = 'llm_call' AND purpose = 'tier_up' AND details->>'batch' = 'true'`,
    );
    expect(calls.rows[0]?.n).toBe(tickets);
  });
});
