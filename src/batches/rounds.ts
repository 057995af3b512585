import {
  type FollowupCursor,
  insertFollowupChunk,
  unplannedFollowups,
} from '../db/batch-followups.js';
import { customIdFor, getRun, type RunRow } from '../db/batches.js';
import { withTransaction } from '../db/pool.js';
import type { QcContext } from '../qc/context.js';
import { contextOfRun } from './context.js';
import type { BatchDeps } from './deps.js';
import { batchParamsOf, journalOf } from './followup.js';
import { type BatchRequest, BODY_ENVELOPE_BYTES, requestBytes } from './params.js';
import { dropStaleFollowups } from './stale.js';

/** A custom_id as long as any chunk id this table will reach, for sizing before the id exists. */
const SIZING_CHUNK_ID = 9_999_999_999;

/** The create-body entry of a journaled follow-up (round > 1). */
export function followupRequest(customId: string, journal: unknown, ctx: QcContext): BatchRequest {
  const { request } = journalOf(journal);
  if (!request) throw new Error(`batch request ${customId} has no journaled request`);
  return { custom_id: customId, params: batchParamsOf(request, ctx) };
}

/** Unbundled follow-ups read per query by default: ~10 MB of journals at most (~50 kB each). */
export const FOLLOWUP_PAGE = 200;

/** The chunk being filled: ids and sizes only, its journals stay in PostgreSQL. */
interface OpenChunk {
  runId: number;
  round: number;
  ids: number[];
  bytes: number;
}

/**
 * Bundles journaled follow-ups into the next round (less those whose ticket
 * no longer needs them: ./stale.ts): per run and round, chunks
 * under the same API limits as the first round, each stored with its
 * requests in one transaction (the follow-ups marked planned in it too).
 * The backlog is read a page at a time (`followupPage`), each journal only
 * to size its request; the journals move to the requests in SQL. A chunk may
 * span pages. The chunks are then `prepared` like any other: submitted,
 * reconciled after a crash, polled and collected by the same code. Returns
 * the chunks stored.
 */
export async function planFollowupRounds(deps: BatchDeps): Promise<number> {
  // A ticket graded or superseded since its follow-up was journaled needs no further paid call.
  await dropStaleFollowups(deps);
  const page = Math.max(1, deps.followupPage ?? FOLLOWUP_PAGE);
  const contexts = new Map<number, QcContext>();
  const contextOf = async (runId: number) => {
    let ctx = contexts.get(runId);
    if (!ctx) {
      ctx = await contextOfRun(deps.pool, (await getRun(deps.pool, runId)) as RunRow);
      contexts.set(runId, ctx);
    }
    return ctx;
  };
  let stored = 0;
  let open: OpenChunk | undefined;
  const store = async () => {
    const c = open;
    open = undefined;
    if (!c || c.ids.length === 0) return;
    const id = await withTransaction(deps.pool, (db) =>
      insertFollowupChunk(db, c.runId, c.round, c.ids, c.bytes),
    );
    stored++;
    deps.logger.info(
      { runId: c.runId, round: c.round, chunkId: id, requests: c.ids.length },
      'follow-up batch chunk mapped',
    );
  };
  let after: FollowupCursor | undefined;
  for (;;) {
    const rows = await unplannedFollowups(deps.pool, after, page);
    for (const f of rows) {
      if (open && (open.runId !== f.run_id || open.round !== f.round)) await store();
      const ctx = await contextOf(f.run_id);
      const entry = followupRequest(customIdFor(f.ticket_id, SIZING_CHUNK_ID), f.journal, ctx);
      const size = requestBytes(entry);
      if (
        open &&
        (open.ids.length >= deps.limits.maxRequests || open.bytes + size > deps.limits.maxBytes)
      )
        await store();
      open ??= { runId: f.run_id, round: f.round, ids: [], bytes: BODY_ENVELOPE_BYTES };
      open.ids.push(f.id);
      open.bytes += size;
    }
    const last = rows.at(-1);
    if (!last || rows.length < page) break;
    after = { run_id: last.run_id, round: last.round, id: last.id };
  }
  await store();
  return stored;
}
