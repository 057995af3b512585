import {
  type FollowupRow,
  insertFollowupChunk,
  unplannedFollowups,
} from '../db/batch-followups.js';
import { customIdFor, getRun, type RunRow } from '../db/batches.js';
import { withTransaction } from '../db/pool.js';
import type { QcContext } from '../qc/context.js';
import { contextOfRun } from './context.js';
import type { BatchDeps } from './deps.js';
import { batchParamsOf, journalOf } from './followup.js';
import { type BatchRequest, BODY_ENVELOPE_BYTES } from './params.js';
import { dropStaleFollowups } from './stale.js';

/** A custom_id as long as any chunk id this table will reach, for sizing before the id exists. */
const SIZING_CHUNK_ID = 9_999_999_999;

/** The create-body entry of a journaled follow-up (round > 1). */
export function followupRequest(customId: string, journal: unknown, ctx: QcContext): BatchRequest {
  const { request } = journalOf(journal);
  if (!request) throw new Error(`batch request ${customId} has no journaled request`);
  return { custom_id: customId, params: batchParamsOf(request, ctx) };
}

/**
 * Bundles journaled follow-ups into the next round (less those whose ticket
 * no longer needs them: ./stale.ts): per run and round, chunks
 * under the same API limits as the first round, each stored with its
 * requests in one transaction (the follow-ups marked planned in it too).
 * The chunks are then `prepared` like any other: submitted, reconciled after
 * a crash, polled and collected by the same code. Returns the chunks stored.
 */
export async function planFollowupRounds(deps: BatchDeps): Promise<number> {
  // A ticket graded or superseded since its follow-up was journaled needs no further paid call.
  await dropStaleFollowups(deps);
  const groups = new Map<string, FollowupRow[]>();
  for (const f of await unplannedFollowups(deps.pool)) {
    const key = `${f.run_id}:${f.round}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  let stored = 0;
  for (const rows of groups.values()) {
    const first = rows[0] as FollowupRow;
    const run = (await getRun(deps.pool, first.run_id)) as RunRow;
    const ctx = await contextOfRun(deps.pool, run);
    let chunk: FollowupRow[] = [];
    let bytes = BODY_ENVELOPE_BYTES;
    const store = async () => {
      if (chunk.length === 0) return;
      const items = chunk;
      const size = bytes;
      const id = await withTransaction(deps.pool, (db) =>
        insertFollowupChunk(db, first.run_id, first.round, items, size),
      );
      stored++;
      deps.logger.info(
        { runId: first.run_id, round: first.round, chunkId: id, requests: items.length },
        'follow-up batch chunk mapped',
      );
      chunk = [];
      bytes = BODY_ENVELOPE_BYTES;
    };
    for (const f of rows) {
      const entry = followupRequest(customIdFor(f.ticket_id, SIZING_CHUNK_ID), f.journal, ctx);
      const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
      if (chunk.length >= deps.limits.maxRequests || bytes + size > deps.limits.maxBytes)
        await store();
      chunk.push(f);
      bytes += size;
    }
    await store();
  }
  return stored;
}
