import { describe, expect, it } from 'vitest';
import { BATCH_PRIORITY } from '../../src/batches/ingest.js';
import { runBatch } from '../../src/batches/run.js';
import { requeuedReplies } from '../../src/db/batches.js';
import { contentHashOf } from '../../src/db/tickets.js';
import { enqueueQc } from '../../src/queue/enqueue.js';
import { waitFor } from '../helpers/pipeline.js';
import {
  ALL_TIER_UP,
  realtimeCalls,
  resultCounts,
  startHarness,
  untilSubmitted,
} from './harness.js';

const TICKETS = 2;

describe('a requeued entry’s replies are looked up by its realtime job, and only those', () => {
  it('a follow-up still in flight (round 2, pending, its journal the one it was built from) is not served to a batch-priority job of its ticket', async () => {
    const x = await startHarness({ tickets: TICKETS, env: ALL_TIER_UP });
    const deps = x.deps();
    await runBatch(deps, { via: 'batches', trigger: 'cli' });
    // Every ticket's tier-up journaled and sent as round 2; no pass collects it in this test.
    await untilSubmitted(x, deps, 2);
    const inFlight = await x.db.pool.query<{ ticket_id: number; context_version: string }>(
      `SELECT ticket_id, context_version FROM batch_requests
       WHERE round = 2 AND state = 'pending' AND journal IS NOT NULL ORDER BY ticket_id`,
    );
    expect(inFlight.rows.map((r) => r.ticket_id)).toEqual([...x.ids].sort((a, b) => a - b));
    for (const r of inFlight.rows) {
      expect(await requeuedReplies(x.db.pool, r.ticket_id, r.context_version)).toBeUndefined();
    }

    // A batch-priority job of one of those tickets (e.g. a `failed retry` of an earlier `--via
    // queue` job) grades from scratch: its base call is its own, not the follow-up's base reply.
    const [first] = inFlight.rows;
    if (!first) throw new Error('no follow-up in flight');
    await enqueueQc(
      x.p.queue,
      {
        ticketId: first.ticket_id,
        contentHash: (await contentHashOf(x.db.pool, first.ticket_id)) as string,
        contextVersion: first.context_version,
        via: 'realtime',
      },
      deps.catalog,
      { priority: BATCH_PRIORITY },
    );
    await x.p.startWorker();
    await waitFor('the job’s ticket graded', async () => {
      const r = await resultCounts(x.db, [first.ticket_id]);
      return r.length === 1 || undefined;
    });
    const models = realtimeCalls(x).map((r) => (r.body as { model: string }).model);
    expect(models[0]).toBe(x.p.config.QC_MODEL);
  });
});
