import { describe, expect, it } from 'vitest';
import { getTicket, upsertTicket } from '../../src/db/tickets.js';
import { waitFor } from '../helpers/pipeline.js';
import {
  ALL_TIER_UP,
  batchCalls,
  drain,
  type Harness,
  liveWork,
  resultCounts,
  runUntilCrash,
  startHarness,
  submittedBatches,
} from './harness.js';

let h: Harness | undefined;

const TICKETS = 4;

describe('a follow-up journaled but not yet sent, for a ticket graded or superseded meanwhile', () => {
  it('is dropped at bundling: not sent, its paid reply recorded once, nothing left waiting', async () => {
    h = await startHarness({ tickets: TICKETS, env: ALL_TIER_UP });
    await h.db.pool.query(`UPDATE tickets SET lane = 'batch'`);
    // The first round read, every tier-up journaled, none bundled: a pass cut short after its last entry.
    await runUntilCrash(h, { point: 'mid-results', after: TICKETS });
    const journaled = await h.db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM batch_followups WHERE chunk_id IS NULL',
    );
    expect(journaled.rows[0]?.n).toBe(TICKETS);

    // Before the next pass: ticket 0 gets a newer version live, ticket 1 the same content live;
    // both are graded realtime.
    const [oldId, sameId, ...rest] = h.ids as [number, number, ...number[]];
    const old = (await getTicket(h.db.pool, oldId))?.ticket;
    const same = (await getTicket(h.db.pool, sameId))?.ticket;
    if (!old || !same) throw new Error('ticket missing');
    const newer = await upsertTicket(h.db.pool, {
      ...old,
      subject: `${old.subject} (reopened)`,
      updatedAt: new Date(Date.parse(old.updatedAt) + 3_600_000).toISOString(),
    });
    expect((await upsertTicket(h.db.pool, same)).id).toBe(sameId);
    await h.p.startWorker({ concurrency: 2 });
    await h.p.enqueue([newer.id, sameId]);
    await waitFor(
      'realtime results',
      async () => (await resultCounts((h as Harness).db, [newer.id, sameId])).length === 2,
    );

    const deps = h.deps();
    await drain(h, deps);

    // The next round carries only the follow-ups still needed.
    const rounds = submittedBatches(h.sim);
    expect(rounds).toHaveLength(2);
    const sent = (rounds[1] ?? []).map((r) => Number(/^t(\d+)-c\d+$/.exec(r.custom_id)?.[1]));
    expect(sent.sort((a, b) => a - b)).toEqual([...rest].sort((a, b) => a - b));

    const results = await h.db.pool.query<{ ticket_id: number; via: string }>(
      'SELECT ticket_id, via FROM qc_results ORDER BY ticket_id',
    );
    const byTicket = new Map(results.rows.map((r) => [r.ticket_id, r.via]));
    expect(byTicket.has(oldId)).toBe(false);
    expect(byTicket.get(newer.id)).toBe('realtime');
    expect(byTicket.get(sameId)).toBe('realtime');
    for (const id of rest) expect(byTicket.get(id)).toBe('batch');
    expect(results.rowCount).toBe(TICKETS);

    // The first round's replies of the dropped two were paid for: recorded once, batch-priced;
    // no tier-up was bought for them.
    const paidOnce = [{ purpose: 'batch', n: 1 }];
    expect(await batchCalls(h, oldId)).toEqual(paidOnce);
    expect(await batchCalls(h, sameId)).toEqual(paidOnce);
    for (const id of rest)
      expect(await batchCalls(h, id)).toEqual([
        { purpose: 'batch', n: 1 },
        { purpose: 'tier_up', n: 1 },
      ]);
    const states = await h.db.pool.query<{ ticket_id: number; round: number; state: string }>(
      `SELECT ticket_id, round, state FROM batch_requests WHERE ticket_id = ANY($1::bigint[])
       ORDER BY ticket_id, round`,
      [[oldId, sameId]],
    );
    expect(states.rows).toEqual(
      [oldId, sameId]
        .sort((a, b) => a - b)
        .map((id) => ({ ticket_id: id, round: 1, state: 'superseded' })),
    );

    // Nothing stuck: the run is finished and a later pass changes nothing.
    expect(await liveWork(h)).toBe(0);
    const runs = await h.db.pool.query('SELECT 1 FROM batch_runs WHERE finished_at IS NULL');
    expect(runs.rowCount).toBe(0);
    await drain(h, deps);
    expect(await batchCalls(h, oldId)).toEqual(paidOnce);
    expect(await batchCalls(h, sameId)).toEqual(paidOnce);
    expect(submittedBatches(h.sim)).toHaveLength(2);
  });
});
