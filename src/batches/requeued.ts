import { requeuedReplies } from '../db/batches.js';
import type { Pool } from '../db/pool.js';
import type { PriceTable } from '../llm/prices.js';
import { callOf } from '../qc/call-needed.js';
import type { ResumeGrade } from '../qc/processor.js';
import { journalOf, replayOf } from './followup.js';
import { BATCH_PRIORITY } from './ingest.js';

/**
 * The realtime job of a batch entry requeued with replies already paid for
 * (its realtime fallback kept failing, ./ingest.ts requeue): the job grades
 * from the entry's journal — the base reply, the follow-up replies, the
 * draws, rates and settings of the run — and makes realtime only the calls
 * past it, as the collector would have. Those replies are recorded with the
 * request's state (when it is settled `requeued`, or by a rerun that finds
 * this job's result); the job does not record them again.
 *
 * Only jobs queued at the batch priority look (one index probe each): a live
 * ticket's job never pays for it. A job whose context version is no longer
 * the entry's finds nothing and grades from scratch, as a reply to another
 * context's prompt must not be reused.
 */
export function requeuedGrades(deps: { pool: Pool; prices: PriceTable }): ResumeGrade {
  return async ({ ticketId, ctx, priority, llm, logger }) => {
    if (priority !== BATCH_PRIORITY) return undefined;
    const found = await requeuedReplies(deps.pool, ticketId, ctx.version);
    if (!found) return undefined;
    const journal = journalOf(found.journal);
    return {
      batchReply: journal.base,
      replay: replayOf(journal, deps.prices, callOf({ llm: { ...llm, logger } })),
      settings: { ...journal.settings, baseModel: found.model },
    };
  };
}
