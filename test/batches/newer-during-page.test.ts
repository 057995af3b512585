import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { runBatch } from '../../src/batches/run.js';
import { getTicket, upsertTicket } from '../../src/db/tickets.js';
import { drain, startHarness } from './harness.js';

/**
 * The collector reads each page of entries' stored results and newer versions
 * in one statement (src/db/batches.ts entryChecksOf), then grades the page's
 * entries one by one, some with realtime calls. A newer version that arrives
 * live after that read, while the page is being graded, must still keep the
 * older version from being graded: a verdict saved for it would be written back
 * over the newer one's. The newer version is stored here right after the page's
 * read, as a webhook between the two would.
 */
describe('a newer version stored while its batch page is being graded', () => {
  it('the older version is superseded, not graded', async () => {
    const h = await startHarness({ tickets: 3 });
    await h.db.pool.query(`UPDATE tickets SET lane = 'batch'`);
    const deps = h.deps();
    const target = h.ids[2] as number;
    const old = (await getTicket(h.db.pool, target))?.ticket;
    if (!old) throw new Error('ticket missing');
    const query = pg.Client.prototype.query;
    let arrived: Promise<unknown> | undefined;
    const live = () =>
      upsertTicket(h.db.pool, {
        ...old,
        subject: `${old.subject} (reopened)`,
        updatedAt: new Date(Date.parse(old.updatedAt) + 3_600_000).toISOString(),
      });
    // pool.query calls client.query with a callback: the page's answer reaches the collector
    // only once the newer version is stored.
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (
      this: pg.Client,
      ...args: unknown[]
    ) {
      const q = args[0];
      const text = typeof q === 'string' ? q : (q as { text?: string } | undefined)?.text;
      const cb = args.at(-1);
      if (!arrived && typeof cb === 'function' && text?.includes('q.id AS result_id, q.job_id')) {
        args[args.length - 1] = (err: unknown, res: unknown) => {
          arrived = live();
          void arrived.then(
            () => cb(err, res),
            (e: unknown) => cb(e, undefined),
          );
        };
      }
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query);
    try {
      await runBatch(deps, { via: 'batches', trigger: 'cli' });
      await drain(h, deps);
    } finally {
      spy.mockRestore();
    }
    expect(arrived).toBeDefined();
    const graded = await h.db.pool.query<{ ticket_id: number }>(
      'SELECT ticket_id FROM qc_results ORDER BY ticket_id',
    );
    expect(graded.rows.map((r) => r.ticket_id)).toEqual([h.ids[0], h.ids[1]]);
    const state = await h.db.pool.query<{ state: string }>(
      'SELECT state FROM batch_requests WHERE ticket_id = $1',
      [target],
    );
    expect(state.rows).toEqual([{ state: 'superseded' }]);
  });
});
