import { markPlanned, markRunFinished, type RunRow } from '../db/batches.js';
import { transitionQcStatus } from '../db/qc-status.js';
import { type Selection, selectPage } from '../db/selection.js';
import { enqueueQc } from '../queue/enqueue.js';
import type { BatchDeps } from './deps.js';
import { BATCH_PRIORITY } from './ingest.js';

/**
 * `batch run --via queue`: the selection as low-priority jobs on the realtime
 * `qc` queue, behind live tickets. Job ids derive from the ticket and context
 * versions, so running it twice adds each job once; tickets are marked
 * `queued` so a batch run does not select them too.
 */
export async function enqueueSelection(
  deps: BatchDeps,
  run: RunRow,
  selection: Selection,
): Promise<number> {
  if (!deps.qcQueue) throw new Error('--via queue needs the qc queue (Redis)');
  let remaining = run.max_tickets ?? Number.POSITIVE_INFINITY;
  let afterId = 0;
  let added = 0;
  while (remaining > 0) {
    const page = await selectPage(deps.pool, selection, afterId, Math.min(500, remaining));
    if (page.length === 0) break;
    for (const t of page) {
      await enqueueQc(
        deps.qcQueue,
        {
          ticketId: t.id,
          contentHash: t.contentHash,
          contextVersion: run.context_version,
          via: 'queue',
        },
        deps.catalog,
        { priority: BATCH_PRIORITY },
      );
    }
    await transitionQcStatus(deps.pool, 'batchQueue', { ids: page.map((t) => t.id) });
    added += page.length;
    remaining -= page.length;
    afterId = page.at(-1)?.id ?? afterId;
    deps.logger.info({ runId: run.id, added }, 'batch run: jobs added to the qc queue');
  }
  await markPlanned(deps.pool, run.id, added);
  await markRunFinished(deps.pool, run.id);
  return added;
}
