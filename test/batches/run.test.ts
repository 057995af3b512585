import { describe, expect, it } from 'vitest';
import { runBatch } from '../../src/batches/run.js';
import { LOCKS, withAdvisoryLock } from '../../src/db/locks.js';
import { waitFor } from '../helpers/pipeline.js';
import {
  type Harness,
  REALTIME_FOLLOWUPS,
  resultCounts,
  startHarness,
  submittedBatches,
} from './harness.js';

let h: Harness | undefined;

describe('batch run --via batches, end to end through the simulator', () => {
  it('every selected ticket gets exactly one result, in chunks under the configured limit, with the 1-hour cache TTL', async () => {
    h = await startHarness({ tickets: 30 });
    const deps = h.deps({
      limits: { ...h.deps().limits, maxRequests: 12 },
      followups: REALTIME_FOLLOWUPS,
    });
    const report = await runBatch(deps, { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 });
    expect(report.mapped).toBe(30);

    const rows = await resultCounts(h.db, h.ids);
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.n === 1 && r.via === 'batch')).toBe(true);

    const batches = submittedBatches(h.sim);
    expect(batches.map((b) => b.length)).toEqual([12, 12, 6]);
    const ids = batches.flat().map((r) => r.custom_id);
    expect(new Set(ids).size).toBe(30);
    const params = batches[0]?.[0]?.params as {
      system: { cache_control?: { ttl?: string } }[];
      tool_choice: unknown;
      model: string;
    };
    expect(params.system.at(-1)?.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    expect(params.tool_choice).toEqual({ type: 'tool', name: 'record_verdict' });
    expect(params.model).toBe(h.p.config.QC_MODEL);

    const states = await h.db.pool.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM batch_requests GROUP BY state',
    );
    expect(states.rows).toEqual([{ state: 'graded', n: 30 }]);
    const runs = await h.db.pool.query('SELECT * FROM batch_runs WHERE finished_at IS NOT NULL');
    expect(runs.rowCount).toBe(1);

    // Nothing left to select: a second run submits nothing.
    const again = await runBatch(deps, { via: 'batches', trigger: 'cli' });
    expect(again.mapped).toBe(0);
    expect(submittedBatches(h.sim)).toHaveLength(3);
  });

  it('errored and expired entries go to the realtime queue at low priority and are graded there', async () => {
    h = await startHarness({ tickets: 30, sim: { batch: { erroredRate: 0.2, expiredRate: 0.1 } } });
    await runBatch(h.deps({ followups: REALTIME_FOLLOWUPS }), {
      via: 'batches',
      trigger: 'cli',
      wait: true,
      pollMs: 50,
    });

    type Counts = { succeeded: number; errored: number; expired: number };
    const counts = await h.db.pool.query<{ request_counts: Counts }>(
      'SELECT request_counts FROM batch_chunks',
    );
    const rc = counts.rows[0]?.request_counts as Counts;
    expect(rc.errored + rc.expired).toBeGreaterThan(0);
    const states = await h.db.pool.query<{ state: string; result_type: string; n: number }>(
      `SELECT state, result_type, count(*)::int AS n FROM batch_requests
       GROUP BY state, result_type ORDER BY state, result_type`,
    );
    expect(states.rows).toEqual(
      [
        { state: 'graded', result_type: 'succeeded', n: rc.succeeded },
        { state: 'requeued', result_type: 'errored', n: rc.errored },
        { state: 'requeued', result_type: 'expired', n: rc.expired },
      ].filter((r) => r.n > 0),
    );
    const waiting = await h.p.queue.getJobs(['prioritized', 'wait']);
    expect(waiting).toHaveLength(rc.errored + rc.expired);
    expect(waiting.every((j) => j.opts.priority === 10)).toBe(true);

    await h.p.startWorker();
    const rows = await waitFor('all 30 graded', async () => {
      const r = await resultCounts(h?.db as NonNullable<typeof h>['db'], h?.ids ?? []);
      return r.length === 30 ? r : undefined;
    });
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect(rows.filter((r) => r.via === 'realtime')).toHaveLength(rc.errored + rc.expired);
  });

  it('a second pass while another process holds the batch lock does nothing and says so', async () => {
    h = await startHarness({ tickets: 3 });
    const deps = h.deps();
    const inner = await withAdvisoryLock(
      h.db.pool,
      LOCKS.batch,
      () => runBatch(deps, { via: 'batches', trigger: 'schedule' }),
      { mode: 'try' },
    );
    expect(inner).toEqual({ busy: true, ticks: [] });
    expect((await h.db.pool.query('SELECT 1 FROM batch_runs')).rowCount).toBe(0);
  });

  it('chunks by bytes too: every create body stays under QC_BATCH_MAX_BYTES', async () => {
    h = await startHarness({ tickets: 9 });
    // Room for about three requests a batch (each repeats the ~30 KB context).
    const probe = h.deps();
    await runBatch(
      { ...probe, limits: { ...probe.limits, maxRequests: 1 } },
      { via: 'batches', trigger: 'cli', limit: 1 },
    );
    const one = Buffer.byteLength(JSON.stringify({ requests: submittedBatches(h.sim)[0] }));
    h.sim.clearRequests();
    const maxBytes = Math.round(one * 3.5);
    await runBatch(
      { ...probe, limits: { ...probe.limits, maxBytes } },
      { via: 'batches', trigger: 'cli', wait: true, pollMs: 50 },
    );
    const bodies = h.sim
      .requests()
      .filter((r) => r.method === 'POST' && r.path === '/v1/messages/batches')
      .map((r) => Buffer.byteLength(JSON.stringify(r.body)));
    expect(bodies.length).toBeGreaterThanOrEqual(3);
    for (const b of bodies) expect(b).toBeLessThanOrEqual(maxBytes);
    expect(await resultCounts(h.db, h.ids)).toHaveLength(9);
  });
});
