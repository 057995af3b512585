import { chunksIn, dropSpentJournals, finishRuns } from '../db/batches.js';
import { budgetPaused } from '../db/budget.js';
import { toError } from '../logger.js';
import { collectChunk, pollChunk } from './collect.js';
import { checkpoint, InjectedCrash } from './crash.js';
import type { BatchDeps } from './deps.js';
import { reconcileSubmitting } from './reconcile.js';
import { planFollowupRounds } from './rounds.js';
import { submitChunk } from './submit.js';

export interface TickReport {
  reconciled: Record<string, number>;
  submitted: number;
  ended: number;
  graded: number;
  requeued: number;
  failed: number;
  /** Results whose next model call was journaled for a later round. */
  followups: number;
  /** Chunks of a later round stored by this pass (submitted by the next). */
  followupChunks: number;
  /** Journals of requeued requests dropped: their realtime job graded, or a newer version came. */
  journalsDropped: number;
  finishedRuns: number[];
  /** Prepared chunks not submitted because a budget pause is open. */
  heldForBudget: number;
  /** Prepared chunks not submitted because another chunk's create outcome is still unknown. */
  heldForUnsettled: number;
  /** Chunks still waiting on the API (in progress or unsettled). */
  inFlight: number;
  errors: string[];
}

/**
 * One pass over everything stored, in the order that keeps it safe to repeat
 * at any moment: settle chunks whose create outcome is unknown, submit
 * prepared chunks, poll submitted ones, ingest ended ones, bundle the
 * follow-ups they journaled into the next round's chunks, drop the journals
 * of requeued entries no job needs any more, close finished runs. An error in one chunk is reported and the pass goes on with the next,
 * except an injected crash, which stops everything as a kill would.
 */
export async function tick(deps: BatchDeps): Promise<TickReport> {
  const report: TickReport = {
    reconciled: {},
    submitted: 0,
    ended: 0,
    graded: 0,
    requeued: 0,
    failed: 0,
    followups: 0,
    followupChunks: 0,
    journalsDropped: 0,
    finishedRuns: [],
    heldForBudget: 0,
    heldForUnsettled: 0,
    inFlight: 0,
    errors: [],
  };
  const guard = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (raw) {
      if (raw instanceof InjectedCrash) throw raw;
      const err = toError(raw);
      report.errors.push(`${what}: ${err.message}`);
      deps.logger.error({ err: err.message }, `batch ${what} failed`);
    }
  };

  for (const c of await chunksIn(deps.pool, ['submitting'])) {
    await guard(`reconcile chunk ${c.id}`, async () => {
      const r = await reconcileSubmitting(deps, c);
      report.reconciled[r] = (report.reconciled[r] ?? 0) + 1;
    });
  }
  // Budgets are a hard stop: nothing new is submitted while a pause is open.
  // Results of batches already submitted are still collected (they are paid for).
  const paused = await budgetPaused(deps.pool);
  // One create with an unknown outcome at a time. reconcileSubmitting adopts
  // an unclaimed listed batch of the chunk's size; with two such chunks of the
  // same size (full chunks all are) it could adopt the other one's batch, and
  // that chunk would then be submitted again.
  const unsettled = async () => (await chunksIn(deps.pool, ['submitting'])).length > 0;
  let held = await unsettled();
  for (const c of await chunksIn(deps.pool, ['prepared'])) {
    if (paused) {
      report.heldForBudget++;
      continue;
    }
    if (held) {
      report.heldForUnsettled++;
      continue;
    }
    await guard(`submit chunk ${c.id}`, async () => {
      if (await submitChunk(deps, c)) report.submitted++;
    });
    held = await unsettled();
  }
  for (const c of await chunksIn(deps.pool, ['in_progress'])) {
    await guard(`poll chunk ${c.id}`, async () => {
      if (await pollChunk(deps, c)) report.ended++;
    });
  }
  for (const c of await chunksIn(deps.pool, ['ended'])) {
    await guard(`collect chunk ${c.id}`, async () => {
      const t = await collectChunk(deps, c);
      report.graded += t.graded;
      report.requeued += t.requeued;
      report.failed += t.failed;
      report.followups += t.followup;
    });
  }
  // Follow-ups journaled by this pass or by one a crash cut short become the next round's chunks.
  await guard('plan follow-up rounds', async () => {
    report.followupChunks = await planFollowupRounds(deps);
  });
  if (report.followupChunks > 0) checkpoint(deps.crashAt, 'after-followups');
  // Requeued entries' journals no realtime job can need any more (db/batches.ts dropSpentJournals):
  // one set-based statement a pass, none on the QC worker's path.
  await guard('drop spent journals', async () => {
    report.journalsDropped = await dropSpentJournals(deps.pool);
  });
  report.finishedRuns = await finishRuns(deps.pool);
  report.inFlight = (await chunksIn(deps.pool, ['submitting', 'in_progress', 'ended'])).length;
  return report;
}
