import { insertChunk, mappedCount, markPlanned, type RunRow } from '../db/batches.js';
import { withTransaction } from '../db/pool.js';
import { type Selection, selectPage } from '../db/selection.js';
import type { QcContext } from '../qc/context.js';
import { checkpoint } from './crash.js';
import type { BatchDeps } from './deps.js';
import { BODY_ENVELOPE_BYTES, customIdFor, RequestSizer, sharedParams } from './params.js';

const PAGE = 500;
/** A custom_id as long as any chunk id this table will reach, for sizing before the id exists. */
const SIZING_CHUNK_ID = 9_999_999_999;

export function selectionOf(run: RunRow, deps: BatchDeps): Selection {
  return {
    contextVersion: run.context_version,
    statuses: deps.limits.statuses,
    since: run.since ?? undefined,
    until: run.until ?? undefined,
  };
}

/**
 * Selects the run's tickets and stores them as chunks under the API limits,
 * each chunk with its custom_id → ticket mapping, in one transaction per
 * chunk, before anything is submitted. Resumable: tickets mapped by an
 * interrupted attempt are no longer selected, and the limit counts them.
 */
export async function planRun(deps: BatchDeps, run: RunRow, ctx: QcContext): Promise<number> {
  const selection = selectionOf(run, deps);
  const sizer = new RequestSizer(sharedParams(ctx, run.model, deps.settings.maxTokens));
  const already = await mappedCount(deps.pool, run.id);
  let remaining = run.max_tickets === null ? Number.POSITIVE_INFINITY : run.max_tickets - already;
  let mapped = already;
  let chunk: { ticketId: number }[] = [];
  let bytes = BODY_ENVELOPE_BYTES;

  const store = async () => {
    if (chunk.length === 0) return;
    const items = chunk;
    const size = bytes;
    await withTransaction(deps.pool, (db) => insertChunk(db, run, items, size));
    mapped += items.length;
    deps.logger.info({ runId: run.id, requests: items.length, bytes: size }, 'batch chunk mapped');
    chunk = [];
    bytes = BODY_ENVELOPE_BYTES;
    checkpoint(deps.crashAt, 'after-mapping');
  };

  let afterId = 0;
  while (remaining > 0) {
    const page = await selectPage(deps.pool, selection, afterId, Math.min(PAGE, remaining));
    if (page.length === 0) break;
    for (const t of page) {
      const size = sizer.bytes(customIdFor(t.id, SIZING_CHUNK_ID), t.ticket);
      if (size + BODY_ENVELOPE_BYTES > deps.limits.maxBytes) {
        // One ticket alone over the limit: it cannot go in any batch; the realtime path can take it.
        deps.logger.warn(
          { ticketId: t.id, bytes: size },
          'ticket too large for a batch request; skipped',
        );
        continue;
      }
      if (chunk.length >= deps.limits.maxRequests || bytes + size > deps.limits.maxBytes)
        await store();
      chunk.push({ ticketId: t.id });
      bytes += size;
      remaining--;
    }
    afterId = page.at(-1)?.id ?? afterId;
  }
  await store();
  await markPlanned(deps.pool, run.id, mapped);
  return mapped;
}
