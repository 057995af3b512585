import { describe, expect, it } from 'vitest';
import { BATCH_PRIORITY } from '../../src/batches/ingest.js';
import { runBatch } from '../../src/batches/run.js';
import { tick } from '../../src/batches/tick.js';
import { requeuedReplies } from '../../src/db/batches.js';
import { contentHashOf, upsertTicket } from '../../src/db/tickets.js';
import { enqueueQc } from '../../src/queue/enqueue.js';
import { Ticket } from '../../src/ticket/schema.js';
import { waitFor } from '../helpers/pipeline.js';
import { exampleRows, variedRow } from './fixtures.js';
import {
  ALL_TIER_UP,
  drain,
  type Harness,
  REALTIME_FOLLOWUPS,
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

/**
 * Every entry requeued with its batch reply kept: follow-ups realtime, and each
 * entry's realtime tier-up refused on every try (as in followups-errored.test.ts).
 */
async function requeuedWithJournals() {
  const x = await startHarness({
    tickets: TICKETS,
    env: ALL_TIER_UP,
    sim: { batch: { processingMs: 1_000 } },
  });
  const deps = x.deps({ followups: REALTIME_FOLLOWUPS });
  await runBatch(deps, { via: 'batches', trigger: 'cli' });
  x.sim.injectError({
    type: 'invalid_request_error',
    method: 'POST',
    path: '/v1/messages',
    count: 3 * TICKETS,
  });
  await drain(x, deps);
  expect(await kept(x)).toEqual([...x.ids].sort((a, b) => a - b));
  return { x, deps };
}

/** Tickets whose requeued request still holds a journal. */
async function kept(x: Harness): Promise<number[]> {
  const r = await x.db.pool.query<{ ticket_id: number }>(
    `SELECT ticket_id FROM batch_requests WHERE state = 'requeued' AND journal IS NOT NULL
     ORDER BY ticket_id`,
  );
  return r.rows.map((row) => row.ticket_id);
}

describe('a requeued entry’s journal is dropped once no job can need it', () => {
  it('kept while its realtime job has not graded; dropped by the next pass once its result is stored', async () => {
    const { x, deps } = await requeuedWithJournals();
    // Passes before the job runs keep it: the job still grades from it.
    await tick(deps);
    expect(await kept(x)).toEqual([...x.ids].sort((a, b) => a - b));

    await x.p.startWorker();
    await waitFor('the requeued tickets graded', async () => {
      const r = await resultCounts(x.db, x.ids);
      return r.length === TICKETS || undefined;
    });
    // Graded from the kept replies: the base call was not bought again.
    expect(
      realtimeCalls(x).filter((r) => (r.body as { model: string }).model === x.p.config.QC_MODEL),
    ).toEqual([]);
    await tick(deps);
    expect(await kept(x)).toEqual([]);
    const states = await x.db.pool.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM batch_requests GROUP BY 1',
    );
    expect(states.rows).toEqual([{ state: 'requeued', n: TICKETS }]);
  });

  it('dropped by the next pass once a newer version of its ticket is stored (its job will not grade the old one)', async () => {
    const { x, deps } = await requeuedWithJournals();
    const examples = exampleRows().filter((r) =>
      ['closed', 'solved'].includes(String(r.ticket.status)),
    );
    const row = variedRow(examples, 0, 'NIGHT');
    const newer = await upsertTicket(
      x.db.pool,
      Ticket.parse({ ...row.ticket, updatedAt: '2099-01-01T00:00:00Z' }),
    );
    const [first, ...others] = x.ids;
    expect(newer.id).not.toBe(first);

    await tick(deps);
    expect(await kept(x)).toEqual(others);
  });
});
