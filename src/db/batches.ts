import type { Queryable } from './pool.js';
import { newerVersionOf } from './tickets.js';

/** `t<ticket>-c<chunk>`: unique across batches, within ^[a-zA-Z0-9_-]{1,64}$. */
export function customIdFor(ticketId: number, chunkId: number): string {
  return `t${ticketId}-c${chunkId}`;
}

/** Rows of batch_runs / batch_chunks / batch_requests (migration 003). */

export interface RunRow {
  id: number;
  via: 'batches' | 'queue';
  trigger: string;
  context_version: string;
  context_files: Record<string, number>;
  model: string;
  since: Date | null;
  until: Date | null;
  max_tickets: number | null;
  selected: number;
  planned_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
}

export type ChunkStatus =
  | 'prepared'
  | 'submitting'
  | 'in_progress'
  | 'ended'
  | 'collected'
  | 'failed'
  | 'abandoned';

export interface ChunkRow {
  id: number;
  run_id: number;
  status: ChunkStatus;
  anthropic_batch_id: string | null;
  request_count: number;
  bytes: number;
  submit_started_at: Date | null;
  submitted_at: Date | null;
  /** 1: the run's first batch; above: follow-ups (migration 019). */
  round: number;
}

export type RequestState =
  | 'pending'
  | 'graded'
  | 'requeued'
  | 'failed'
  | 'superseded'
  /** Its next model call is journaled in batch_followups (src/batches/followup.ts). */
  | 'followup';

export interface RequestRow {
  custom_id: string;
  chunk_id: number;
  ticket_id: number;
  context_version: string;
  state: RequestState;
  attempts: number;
  round: number;
  /** Round > 1: the grading journal the request was built from (src/batches/followup.ts). */
  journal: unknown;
}

export interface NewRun {
  via: 'batches' | 'queue';
  trigger: string;
  contextVersion: string;
  contextFiles: Record<string, number>;
  model: string;
  since?: Date | undefined;
  until?: Date | undefined;
  maxTickets?: number | undefined;
}

export async function insertRun(db: Queryable, r: NewRun): Promise<RunRow> {
  const res = await db.query<RunRow>(
    `INSERT INTO batch_runs (via, trigger, context_version, context_files, model, since, until, max_tickets)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
    [
      r.via,
      r.trigger,
      r.contextVersion,
      JSON.stringify(r.contextFiles),
      r.model,
      r.since ?? null,
      r.until ?? null,
      r.maxTickets ?? null,
    ],
  );
  return res.rows[0] as RunRow;
}

export async function getRun(db: Queryable, id: number): Promise<RunRow | undefined> {
  return (await db.query<RunRow>('SELECT * FROM batch_runs WHERE id = $1', [id])).rows[0];
}

/**
 * A run a crash left half-done: selection not finished, or chunks not yet
 * (surely) submitted. `batch run` resumes it with its own options instead of
 * selecting anew, so a rerun does what the interrupted run set out to do.
 * Only first-round chunks count: a follow-up round waiting to be submitted
 * (a planned run between rounds) is submitted by any pass, and a new
 * `batch run` still selects the tickets stored since.
 */
export async function resumableRun(
  db: Queryable,
  contextVersion: string,
): Promise<RunRow | undefined> {
  const r = await db.query<RunRow>(
    `SELECT * FROM batch_runs r
     WHERE r.via = 'batches' AND r.finished_at IS NULL AND r.context_version = $1
       AND (r.planned_at IS NULL OR EXISTS (
         SELECT 1 FROM batch_chunks c WHERE c.run_id = r.id AND c.round = 1
           AND c.status IN ('prepared', 'submitting')))
     ORDER BY r.id LIMIT 1`,
    [contextVersion],
  );
  return r.rows[0];
}

/**
 * Runs planned under a context version that is no longer active stop
 * planning: their unsubmitted chunks are abandoned when the pass reaches
 * them, and their tickets are selected again under the new version.
 */
export async function closeStaleRuns(db: Queryable, contextVersion: string): Promise<void> {
  await db.query(
    `UPDATE batch_runs SET planned_at = now()
     WHERE planned_at IS NULL AND via = 'batches' AND context_version <> $1`,
    [contextVersion],
  );
}

export async function markPlanned(db: Queryable, runId: number, selected: number): Promise<void> {
  await db.query('UPDATE batch_runs SET planned_at = now(), selected = $2 WHERE id = $1', [
    runId,
    selected,
  ]);
}

export async function mappedCount(db: Queryable, runId: number): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM batch_requests q JOIN batch_chunks c ON c.id = q.chunk_id
     WHERE c.run_id = $1 AND q.round = 1 AND q.state <> 'superseded'`,
    [runId],
  );
  return r.rows[0]?.n ?? 0;
}

/** Stores a chunk and its custom_id → ticket mapping (call inside a transaction). */
export async function insertChunk(
  db: Queryable,
  run: RunRow,
  items: { ticketId: number }[],
  bytes: number,
): Promise<number> {
  const c = await db.query<{ id: number }>(
    'INSERT INTO batch_chunks (run_id, request_count, bytes) VALUES ($1, $2, $3) RETURNING id',
    [run.id, items.length, bytes],
  );
  const chunkId = (c.rows[0] as { id: number }).id;
  await db.query(
    `INSERT INTO batch_requests (custom_id, chunk_id, ticket_id, context_version)
     SELECT t.custom_id, $2, t.ticket_id, $3 FROM unnest($1::text[], $4::bigint[]) AS t(custom_id, ticket_id)`,
    [
      items.map((i) => customIdFor(i.ticketId, chunkId)),
      chunkId,
      run.context_version,
      items.map((i) => i.ticketId),
    ],
  );
  return chunkId;
}

export async function chunksIn(db: Queryable, statuses: ChunkStatus[]): Promise<ChunkRow[]> {
  const r = await db.query<ChunkRow>(
    'SELECT * FROM batch_chunks WHERE status = ANY($1::text[]) ORDER BY id',
    [statuses],
  );
  return r.rows;
}

export async function updateChunk(
  db: Queryable,
  id: number,
  patch: Partial<{
    status: ChunkStatus;
    anthropic_batch_id: string;
    submit_started_at: Date;
    submitted_at: Date;
    ended_at: Date;
    collected_at: Date;
    request_counts: unknown;
    error: string | null;
  }>,
): Promise<void> {
  const keys = Object.keys(patch) as (keyof typeof patch)[];
  if (keys.length === 0) return;
  const sets = keys.map((k, i) => `${k} = $${i + 2}`);
  const values = keys.map((k) =>
    k === 'request_counts' ? JSON.stringify(patch[k]) : (patch[k] as unknown),
  );
  await db.query(`UPDATE batch_chunks SET ${sets.join(', ')} WHERE id = $1`, [id, ...values]);
}

export async function requestsOf(db: Queryable, chunkId: number): Promise<RequestRow[]> {
  const r = await db.query<RequestRow>(
    `SELECT custom_id, chunk_id, ticket_id, context_version, state, attempts, round, journal
     FROM batch_requests WHERE chunk_id = $1 ORDER BY custom_id`,
    [chunkId],
  );
  return r.rows;
}

/**
 * Splits a chunk the API refused as too large: the `moved` pending requests
 * go to a new `prepared` chunk of the same run and round (their custom_id
 * renamed `t<ticket>-c<new chunk>`, their follow-ups pointed at it), and the
 * chunk goes back to `prepared` with what is left. Count and size stay exact
 * for both (reconciliation matches batches by request count). `bytes.moved`
 * is measured with the custom_ids the requests had before the split: the new
 * chunk's size is corrected by how much longer (a chunk id that gains a
 * digit) the renamed ones are. Call inside a transaction. Returns the new
 * chunk's id.
 */
export async function splitChunk(
  db: Queryable,
  chunk: ChunkRow,
  moved: readonly string[],
  bytes: { kept: number; moved: number },
  error: string,
): Promise<number> {
  const c = await db.query<{ id: number }>(
    `INSERT INTO batch_chunks (run_id, request_count, bytes, round, error)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [chunk.run_id, moved.length, bytes.moved, chunk.round, error],
  );
  const id = (c.rows[0] as { id: number }).id;
  const r = await db.query<{ custom_id: string }>(
    `UPDATE batch_requests SET chunk_id = $2, custom_id = 't' || ticket_id || '-c' || $2::bigint,
       updated_at = now()
     WHERE chunk_id = $3 AND custom_id = ANY($1::text[]) AND state = 'pending'
     RETURNING custom_id`,
    [moved, id, chunk.id],
  );
  if (r.rowCount !== moved.length) {
    throw new Error(`chunk ${chunk.id}: ${r.rowCount} of ${moved.length} requests left to split`);
  }
  // custom_ids are ASCII (^[a-zA-Z0-9_-]+$) and need no escaping in JSON: a character is a byte.
  const grown =
    r.rows.reduce((n, row) => n + row.custom_id.length, 0) -
    moved.reduce((n, customId) => n + customId.length, 0);
  if (grown !== 0) {
    await db.query('UPDATE batch_chunks SET bytes = bytes + $2 WHERE id = $1', [id, grown]);
  }
  await db.query(
    `UPDATE batch_followups SET chunk_id = $1
     WHERE chunk_id = $2 AND ticket_id IN (SELECT ticket_id FROM batch_requests WHERE chunk_id = $1)`,
    [id, chunk.id],
  );
  await db.query(
    `UPDATE batch_chunks SET status = 'prepared', request_count = request_count - $2, bytes = $3,
       error = $4
     WHERE id = $1`,
    [chunk.id, moved.length, bytes.kept, error],
  );
  return id;
}

/** A request as collecting indexes it: everything but the journal. */
export type RequestRef = Omit<RequestRow, 'journal'>;

/**
 * A chunk's requests without their journals (up to ~50 kB each with the
 * ticket text): collecting a follow-up round loads each journal only when its
 * entry is read (journalOfRequest), so memory is bounded by the entries in
 * flight, not by the chunk.
 */
export async function requestRefsOf(db: Queryable, chunkId: number): Promise<RequestRef[]> {
  const r = await db.query<RequestRef>(
    `SELECT custom_id, chunk_id, ticket_id, context_version, state, attempts, round
     FROM batch_requests WHERE chunk_id = $1 ORDER BY custom_id`,
    [chunkId],
  );
  return r.rows;
}

/**
 * What ingesting an entry checks before grading it (src/batches/ingest.ts).
 * Whether a newer version is stored is read with the entry's ticket, just
 * before grading it (db/tickets.ts getTicketToGrade), not with its page.
 */
export interface EntryChecks {
  /** A result already stored for the ticket version and context version. */
  result: { id: number; jobId: string | null } | undefined;
}

/**
 * The checks of a page of entries in one statement, where they took one per
 * entry: a row per ticket version asked, no journal or ticket text, so a page
 * costs a few bytes per entry.
 */
export async function entryChecksOf(
  db: Queryable,
  ticketIds: readonly number[],
  contextVersion: string,
): Promise<Map<number, EntryChecks>> {
  if (ticketIds.length === 0) return new Map();
  const r = await db.query<{
    ticket_id: number;
    result_id: number | null;
    job_id: string | null;
  }>(
    `SELECT e.ticket_id, q.id AS result_id, q.job_id
     FROM unnest($1::bigint[]) AS e(ticket_id)
     LEFT JOIN qc_results q ON q.ticket_id = e.ticket_id AND q.context_version = $2`,
    [ticketIds, contextVersion],
  );
  return new Map(
    r.rows.map((row) => [
      row.ticket_id,
      {
        result: row.result_id === null ? undefined : { id: row.result_id, jobId: row.job_id },
      },
    ]),
  );
}

/** One request's journal (round > 1), read when its entry is ingested. */
export async function journalOfRequest(db: Queryable, customId: string): Promise<unknown> {
  const r = await db.query<{ journal: unknown }>(
    'SELECT journal FROM batch_requests WHERE custom_id = $1',
    [customId],
  );
  return r.rows[0]?.journal ?? null;
}

export async function setRequestState(
  db: Queryable,
  customId: string,
  patch: {
    state?: RequestState;
    resultType?: string;
    resultId?: number | null;
    error?: string | null;
    attempts?: number;
    /**
     * The journal a `requeued` request keeps for its realtime job (see requeuedReplies): stored
     * with `journal_kept` (migration 021), which tells it from a pending follow-up's own.
     */
    journal?: unknown;
  },
): Promise<void> {
  await db.query(
    // A settled request's journal is never read again (its replies are recorded as llm_call
    // events, a follow-up carries its own): it is dropped with the state change, unless the
    // caller hands one to keep.
    `UPDATE batch_requests SET state = COALESCE($2, state), result_type = COALESCE($3, result_type),
       journal = CASE WHEN $7::jsonb IS NOT NULL THEN $7::jsonb
         WHEN $2::text IS NULL OR $2::text = 'pending' THEN journal END,
       journal_kept = CASE WHEN $7::jsonb IS NOT NULL THEN true
         WHEN $2::text IS NULL OR $2::text = 'pending' THEN journal_kept ELSE false END,
       result_id = COALESCE($4, result_id), error = COALESCE($5, error),
       attempts = COALESCE($6, attempts), updated_at = now()
     WHERE custom_id = $1`,
    [
      customId,
      patch.state ?? null,
      patch.resultType ?? null,
      patch.resultId ?? null,
      patch.error ?? null,
      patch.attempts ?? null,
      patch.journal === undefined ? null : JSON.stringify(patch.journal),
    ],
  );
}

/**
 * The batch replies of a ticket version's entry that went to the realtime
 * queue with replies already paid for (its journal kept), and the run's
 * model: the realtime job grades from them instead of buying the base call
 * again (src/batches/requeued.ts). Recorded as `requeued`; still `pending`
 * when the job starts before the collector settles the request, which then
 * records them (as does a rerun that finds the job's result: once either way).
 *
 * Only a kept journal (`journal_kept`, set by requeue: migration 021): a
 * pending follow-up of round > 1 carries a journal too, the one it was built
 * from, whose next reply a batch is still buying; a job grading from it would
 * buy that call again, realtime.
 */
export async function requeuedReplies(
  db: Queryable,
  ticketId: number,
  contextVersion: string,
): Promise<{ journal: unknown; model: string } | undefined> {
  const r = await db.query<{ journal: unknown; model: string }>(
    `SELECT q.journal, r.model FROM batch_requests q
     JOIN batch_chunks c ON c.id = q.chunk_id JOIN batch_runs r ON r.id = c.run_id
     WHERE q.ticket_id = $1 AND q.context_version = $2 AND q.state IN ('requeued', 'pending')
       AND q.journal_kept AND q.journal IS NOT NULL
     ORDER BY q.updated_at DESC LIMIT 1`,
    [ticketId, contextVersion],
  );
  return r.rows[0];
}

/**
 * Drops the journals `requeued` requests kept for their realtime jobs once
 * no job can need them: a result is stored for the ticket version and the
 * request's context version (the job graded, from these replies or not), or
 * a newer version of the ticket is stored. Either way the job skips
 * (src/qc/processor.ts: it checks both before it looks for replies), so a
 * journal is dead weight from then on (tens of kB a row). Returns how many.
 *
 * Done here, set-based, by every batch pass (src/batches/tick.ts), rather
 * than by the QC job when its grade is stored: the worker's hot path keeps
 * its statement count, and nothing has to happen between grading and
 * dropping. A crash anywhere leaves the journal for the next pass: it
 * lingers, it is never lost while needed. Only `requeued` rows: a `pending`
 * one is a requeue not yet settled, whose journal the collector still
 * records and drops when it settles it. A journal kept under a context
 * version that is no longer active stays (a job grading under another
 * version never reads it, but that version may be activated again).
 * The partial index of migration 022 holds only kept journals.
 */
export async function dropSpentJournals(db: Queryable): Promise<number> {
  const r = await db.query(
    `UPDATE batch_requests q SET journal = NULL, journal_kept = false, updated_at = now()
     WHERE q.journal_kept AND q.journal IS NOT NULL AND q.state = 'requeued'
       AND (EXISTS (SELECT 1 FROM qc_results r
                    WHERE r.ticket_id = q.ticket_id AND r.context_version = q.context_version)
         OR EXISTS (SELECT 1 FROM tickets t WHERE t.id = q.ticket_id AND ${newerVersionOf('t')}))`,
  );
  return r.rowCount ?? 0;
}

/** Marks runs whose every chunk reached an end state as finished. */
export async function finishRuns(db: Queryable): Promise<number[]> {
  const r = await db.query<{ id: number }>(
    `UPDATE batch_runs r SET finished_at = now()
     WHERE r.finished_at IS NULL AND r.planned_at IS NOT NULL AND NOT EXISTS (
       SELECT 1 FROM batch_chunks c WHERE c.run_id = r.id
         AND c.status IN ('prepared', 'submitting', 'in_progress', 'ended'))
     AND NOT EXISTS (
       SELECT 1 FROM batch_followups f WHERE f.run_id = r.id AND f.chunk_id IS NULL)
     RETURNING r.id`,
  );
  return r.rows.map((x) => x.id);
}

/** Chunks of a run not yet settled (prepared, submitting, in progress or ended), and follow-ups not yet in one. */
export async function liveChunkCount(db: Queryable, runId: number): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM batch_chunks WHERE run_id = $1
       AND status IN ('prepared', 'submitting', 'in_progress', 'ended'))::int
     + (SELECT count(*) FROM batch_followups WHERE run_id = $1 AND chunk_id IS NULL)::int AS n`,
    [runId],
  );
  return r.rows[0]?.n ?? 0;
}

/** Settles a chunk's still-pending requests (abandoned: superseded; refused: failed). */
export async function settlePendingRequests(
  db: Queryable,
  chunkId: number,
  state: 'superseded' | 'failed',
  error: string,
): Promise<void> {
  await db.query(
    `UPDATE batch_requests SET state = $3, error = $2, journal = NULL, updated_at = now()
     WHERE chunk_id = $1 AND state = 'pending'`,
    [chunkId, error, state],
  );
}

export async function markRunFinished(db: Queryable, runId: number): Promise<void> {
  await db.query('UPDATE batch_runs SET finished_at = now() WHERE id = $1', [runId]);
}

/** Requests of a chunk still waiting for their result. */
export async function pendingRequestCount(db: Queryable, chunkId: number): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM batch_requests WHERE chunk_id = $1 AND state = 'pending'`,
    [chunkId],
  );
  return r.rows[0]?.n ?? 0;
}

/** Which of these Anthropic batch ids a chunk already claims. */
export async function claimedBatchIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  const r = await db.query<{ id: string }>(
    'SELECT anthropic_batch_id AS id FROM batch_chunks WHERE anthropic_batch_id = ANY($1::text[])',
    [ids],
  );
  return new Set(r.rows.map((row) => row.id));
}

/** The custom_ids a chunk submitted. */
export async function customIdsOf(db: Queryable, chunkId: number): Promise<Set<string>> {
  const r = await db.query<{ custom_id: string }>(
    'SELECT custom_id FROM batch_requests WHERE chunk_id = $1',
    [chunkId],
  );
  return new Set(r.rows.map((row) => row.custom_id));
}

/** A run's requests by state, whoever settled them (this process, a worker's poller, the nightly job). */
export async function runRequestStates(
  db: Queryable,
  runId: number,
): Promise<Record<string, number>> {
  const r = await db.query<{ state: string; n: number }>(
    `SELECT q.state, count(*)::int AS n FROM batch_requests q
     JOIN batch_chunks c ON c.id = q.chunk_id WHERE c.run_id = $1 GROUP BY q.state`,
    [runId],
  );
  return Object.fromEntries(r.rows.map((x) => [x.state, x.n]));
}
