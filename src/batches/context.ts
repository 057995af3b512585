import { snapshotOf } from '../context/store.js';
import type { RunRow } from '../db/batches.js';
import { activeFileVersions, filesAt } from '../db/context-versions.js';
import type { Queryable } from '../db/pool.js';
import { type QcContext, qcContextOf } from '../qc/context.js';

/** Every active context file → its version: stored with a run. */
export { activeFileVersions };

const cache = new Map<number, QcContext>();

/**
 * The QC context a run's requests were built with, rebuilt from the file
 * versions stored with the run. Results are validated against it even when a
 * new context version was approved while the batch was processing.
 */
export async function contextOfRun(db: Queryable, run: RunRow): Promise<QcContext> {
  const hit = cache.get(run.id);
  if (hit?.version === run.context_version) return hit;
  const ctx = qcContextOf(snapshotOf(await filesAt(db, run.context_files)));
  if (ctx.version !== run.context_version) {
    throw new Error(
      `run ${run.id}: its context files no longer rebuild context version ${run.context_version.slice(0, 12)}`,
    );
  }
  cache.set(run.id, ctx);
  if (cache.size > 8) cache.delete(cache.keys().next().value as number);
  return ctx;
}
