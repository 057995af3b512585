import { dropFollowup, staleFollowups } from '../db/batch-followups.js';
import { getRun, type RunRow } from '../db/batches.js';
import { withTransaction } from '../db/pool.js';
import { transitionQcStatus } from '../db/qc-status.js';
import type { QcContext } from '../qc/context.js';
import { recordPaidCalls } from '../qc/grade-and-save.js';
import { contextOfRun } from './context.js';
import type { BatchDeps } from './deps.js';
import { journalOf, paidCallsOf } from './followup.js';

/**
 * Takes off the next round the journaled follow-ups whose ticket no longer
 * needs them: graded meanwhile (a live webhook moved it to realtime) or
 * superseded by a newer version. Sending them would pay for a reply no
 * verdict can use. Each is settled in one transaction: the batch replies in
 * its journal (paid, recorded by no result) are recorded, the follow-up is
 * deleted and the request that asked for it is settled `superseded` — a
 * rerun finds nothing left to record. Returns how many were dropped.
 */
export async function dropStaleFollowups(deps: BatchDeps): Promise<number> {
  const scopes = new Map<number, { model: string; ctx: QcContext }>();
  let dropped = 0;
  for (const s of await staleFollowups(deps.pool)) {
    let scope = scopes.get(s.run_id);
    if (!scope) {
      const run = (await getRun(deps.pool, s.run_id)) as RunRow;
      scope = { model: run.model, ctx: await contextOfRun(deps.pool, run) };
      scopes.set(s.run_id, scope);
    }
    const { model, ctx } = scope;
    const settled = await withTransaction(deps.pool, async (db) => {
      const why = s.newer
        ? 'a newer version of the ticket is stored'
        : 'graded by another job before its follow-up was sent';
      // One at a time, and only if no other pass bundled or dropped it meanwhile.
      const f = await dropFollowup(db, s.id, why);
      if (!f) return false;
      const j = journalOf(f.journal);
      await recordPaidCalls(
        db,
        ctx,
        f.ticket_id,
        f.from_custom_id,
        paidCallsOf(j, model, deps.prices),
      );
      if (s.newer) await transitionQcStatus(db, 'supersedeAtGrade', { ids: [f.ticket_id] });
      return true;
    });
    if (settled) dropped++;
  }
  if (dropped > 0)
    deps.logger.info({ dropped }, 'follow-ups no longer needed dropped before bundling');
  return dropped;
}
