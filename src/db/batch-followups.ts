import { setRequestState } from './batches.js';
import { type Pool, type Queryable, withTransaction } from './pool.js';
import { newerVersionOf } from './tickets.js';

/** Rows of batch_followups (migration 019): a batch result's next model call, journaled. */
export interface FollowupRow {
  id: number;
  run_id: number;
  ticket_id: number;
  context_version: string;
  round: number;
  journal: unknown;
}

export interface NewFollowup {
  runId: number;
  fromCustomId: string;
  ticketId: number;
  contextVersion: string;
  round: number;
  journal: unknown;
  resultType: string;
}

/**
 * Journals a follow-up and settles the request that asked for it, in one
 * transaction: a crash leaves either both or neither. A second journal for
 * the same request (a rerun reading the result again) is ignored.
 */
export async function journalFollowup(pool: Pool, f: NewFollowup): Promise<void> {
  await withTransaction(pool, async (db) => {
    await db.query(
      `INSERT INTO batch_followups (run_id, from_custom_id, ticket_id, context_version, round, journal)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (from_custom_id) DO NOTHING`,
      [f.runId, f.fromCustomId, f.ticketId, f.contextVersion, f.round, JSON.stringify(f.journal)],
    );
    await db.query(
      // The journal moves on with the follow-up (it holds this request's, plus this reply).
      `UPDATE batch_requests SET state = 'followup', result_type = $2, journal = NULL,
         updated_at = now()
       WHERE custom_id = $1`,
      [f.fromCustomId, f.resultType],
    );
  });
}

/** Where a page of unbundled follow-ups ends: the next page starts after it. */
export interface FollowupCursor {
  run_id: number;
  round: number;
  id: number;
}

/**
 * The next page of follow-ups not yet bundled into a chunk, in (run, round,
 * id) order after `after`, at most `limit` of them: bundling holds one page
 * of journals at a time, not the backlog's.
 */
export async function unplannedFollowups(
  db: Queryable,
  after: FollowupCursor | undefined,
  limit: number,
): Promise<FollowupRow[]> {
  const r = await db.query<FollowupRow>(
    `SELECT id, run_id, ticket_id, context_version, round, journal FROM batch_followups
     WHERE chunk_id IS NULL AND (run_id, round, id) > ($1, $2, $3)
     ORDER BY run_id, round, id LIMIT $4`,
    [after?.run_id ?? 0, after?.round ?? 0, after?.id ?? 0, limit],
  );
  return r.rows;
}

/**
 * Stores a chunk of the next round with one request per follow-up and marks
 * the follow-ups planned. The journal moves from the follow-up to its
 * request inside PostgreSQL (the follow-up keeps none: it is never read
 * again once bundled), so it does not pass through this process again.
 * Call inside a transaction.
 */
export async function insertFollowupChunk(
  db: Queryable,
  runId: number,
  round: number,
  ids: readonly number[],
  bytes: number,
): Promise<number> {
  const c = await db.query<{ id: number }>(
    `INSERT INTO batch_chunks (run_id, request_count, bytes, round) VALUES ($1, $2, $3, $4)
     RETURNING id`,
    [runId, ids.length, bytes, round],
  );
  const chunkId = (c.rows[0] as { id: number }).id;
  // Only unbundled follow-ups of this run and round: the chunk's count and bytes stay exact. The
  // custom_id is customIdFor's `t<ticket>-c<chunk>`.
  const moved = await db.query(
    `INSERT INTO batch_requests (custom_id, chunk_id, ticket_id, context_version, round, journal)
     SELECT 't' || f.ticket_id || '-c' || $2::bigint, $2, f.ticket_id, f.context_version, $3,
            f.journal
     FROM batch_followups f
     WHERE f.id = ANY($1::bigint[]) AND f.chunk_id IS NULL AND f.run_id = $4 AND f.round = $3
     ORDER BY f.id`,
    [ids, chunkId, round, runId],
  );
  if (moved.rowCount !== ids.length) {
    throw new Error(
      `follow-up chunk ${chunkId}: ${moved.rowCount} of ${ids.length} follow-ups left to bundle`,
    );
  }
  await db.query(
    `UPDATE batch_followups SET chunk_id = $2, journal = '{}'::jsonb WHERE id = ANY($1::bigint[])`,
    [ids, chunkId],
  );
  return chunkId;
}

/**
 * Unbundled follow-ups whose ticket no longer needs them: a result for its
 * context version exists (another job graded it: a live webhook between
 * rounds), or a newer version of the ticket is stored (`newer`).
 */
export async function staleFollowups(
  db: Queryable,
): Promise<{ id: number; run_id: number; newer: boolean }[]> {
  const r = await db.query<{ id: number; run_id: number; newer: boolean }>(
    `SELECT f.id, f.run_id, ${newerVersionOf('t')} AS newer
     FROM batch_followups f JOIN tickets t ON t.id = f.ticket_id
     WHERE f.chunk_id IS NULL AND (
       EXISTS (SELECT 1 FROM qc_results r
               WHERE r.ticket_id = f.ticket_id AND r.context_version = f.context_version)
       OR ${newerVersionOf('t')})
     ORDER BY f.id`,
  );
  return r.rows;
}

/**
 * Deletes an unbundled follow-up and settles the request that asked for it
 * `superseded`; returns the follow-up (with its journal), or nothing when it
 * was bundled or dropped meanwhile. Call inside a transaction.
 */
export async function dropFollowup(
  db: Queryable,
  id: number,
  error: string,
): Promise<(FollowupRow & { from_custom_id: string }) | undefined> {
  const r = await db.query<FollowupRow & { from_custom_id: string }>(
    `DELETE FROM batch_followups WHERE id = $1 AND chunk_id IS NULL
     RETURNING id, run_id, from_custom_id, ticket_id, context_version, round, journal`,
    [id],
  );
  const f = r.rows[0];
  if (!f) return undefined;
  await setRequestState(db, f.from_custom_id, { state: 'superseded', error });
  return f;
}
