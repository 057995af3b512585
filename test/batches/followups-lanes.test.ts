import { describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batches/run.js';
import { getTicket, upsertTicket } from '../../src/db/tickets.js';
import { waitFor } from '../helpers/pipeline.js';
import {
  ALL_TIER_UP,
  batchCalls,
  drain,
  type Harness,
  resultCounts,
  startHarness,
  untilSubmitted,
} from './harness.js';

let h: Harness | undefined;

describe('batch follow-ups and the realtime lane: a live webhook between rounds', () => {
  it('a newer version arriving live is graded realtime; the stale batch verdict is never saved, its paid replies are recorded once', async () => {
    h = await startHarness({ tickets: 4, env: ALL_TIER_UP });
    await h.db.pool.query(`UPDATE tickets SET lane = 'batch'`);
    const deps = h.deps();
    await runBatch(deps, { via: 'batches', trigger: 'cli' });
    await untilSubmitted(h, deps, 2);

    // Between rounds: ticket 0 gets a newer version live, ticket 1 the same content live.
    const [oldId, sameId] = h.ids as [number, number];
    const old = (await getTicket(h.db.pool, oldId))?.ticket;
    if (!old) throw new Error('ticket missing');
    const later = new Date(Date.parse(old.updatedAt) + 3_600_000).toISOString();
    const newer = await upsertTicket(h.db.pool, {
      ...old,
      subject: `${old.subject} (reopened)`,
      updatedAt: later,
    });
    const same = (await getTicket(h.db.pool, sameId))?.ticket;
    if (!same) throw new Error('ticket missing');
    expect((await upsertTicket(h.db.pool, same)).id).toBe(sameId);
    await h.p.startWorker({ concurrency: 2 });
    await h.p.enqueue([newer.id, sameId]);
    await waitFor(
      'realtime results',
      async () => (await resultCounts((h as Harness).db, [newer.id, sameId])).length === 2,
    );

    await drain(h, deps);

    const results = await h.db.pool.query<{ ticket_id: number; via: string }>(
      'SELECT ticket_id, via FROM qc_results ORDER BY ticket_id',
    );
    const byTicket = new Map(results.rows.map((r) => [r.ticket_id, r.via]));
    // The superseded version gets no verdict of its own: nothing stale to write back over the live one.
    expect(byTicket.has(oldId)).toBe(false);
    const outbox = await h.db.pool.query('SELECT 1 FROM writeback_outbox WHERE ticket_id = $1', [
      oldId,
    ]);
    expect(outbox.rowCount).toBe(0);
    expect(byTicket.get(newer.id)).toBe('realtime');
    expect(byTicket.get(sameId)).toBe('realtime');
    expect(results.rows.filter((r) => r.via === 'batch')).toHaveLength(2);
    expect(results.rowCount).toBe(4);

    // Both batch replies of each (base call, tier-up) were paid for: recorded once, batch-priced.
    const paid = [
      { purpose: 'batch', n: 1 },
      { purpose: 'tier_up', n: 1 },
    ];
    expect(await batchCalls(h, oldId)).toEqual(paid);
    expect(await batchCalls(h, sameId)).toEqual(paid);
    const states = await h.db.pool.query<{ state: string }>(
      'SELECT state FROM batch_requests WHERE ticket_id = $1 AND round = 2',
      [oldId],
    );
    expect(states.rows).toEqual([{ state: 'superseded' }]);

    // A later pass changes nothing.
    await drain(h, deps);
    expect(await batchCalls(h, oldId)).toEqual(paid);
    expect(await batchCalls(h, sameId)).toEqual(paid);
  });
});
