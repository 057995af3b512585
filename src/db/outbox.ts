import type { Verdict } from '../context/verdict.js';
import type { Pool, PoolClient, Queryable } from './pool.js';
import { withTransaction } from './pool.js';

/**
 * The write-back outbox: one row per note we mean to post on the help desk,
 * written in the transaction that stores the result it reports, then
 * delivered by the writeback queue. Rows move pending → queued → sending →
 * delivered | skipped | failed; `off` means write-back was not on for the
 * source (or the grade was history), and nothing is ever sent for it.
 */

export type OutboxKind = 'qc' | 'triage';
export type OutboxStatus =
  | 'pending'
  | 'queued'
  | 'sending'
  | 'delivered'
  | 'skipped'
  | 'failed'
  | 'off';

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  ticketId: number;
  source: string;
  externalId: string;
  contextVersion: string;
  resultId: number | null;
  triageId: number | null;
  via: string;
  status: OutboxStatus;
  fingerprint: string | null;
  noteKind: string | null;
  note: string | null;
  stepsDone: string[];
  attempts: number;
  retries: number;
  reason: string | null;
  vendorStatus: number | null;
  vendorAnswer: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

const COLUMNS = `id, kind, ticket_id AS "ticketId", source, external_id AS "externalId",
  context_version AS "contextVersion", result_id AS "resultId", triage_id AS "triageId", via, status,
  fingerprint, note_kind AS "noteKind", note, steps_done AS "stepsDone", attempts, retries, reason,
  vendor_status AS "vendorStatus", vendor_answer AS "vendorAnswer", created_at AS "createdAt",
  delivered_at AS "deliveredAt"`;
const SELECT = `SELECT ${COLUMNS} FROM writeback_outbox`;

/**
 * The hook the QC persistence calls inside its transaction, right after a new
 * result is inserted: the ticket's source and external id are read from the
 * row so the caller passes only what it has.
 */
export async function recordQcOutbox(
  db: Queryable,
  args: { ticketId: number; resultId: number; contextVersion: string; via?: string | undefined },
): Promise<void> {
  await db.query(
    `INSERT INTO writeback_outbox (kind, ticket_id, source, external_id, context_version, result_id, via)
     SELECT 'qc', t.id, t.source, t.external_id, $2, $3, $4 FROM tickets t WHERE t.id = $1
     ON CONFLICT (ticket_id, context_version, kind) DO NOTHING`,
    [args.ticketId, args.contextVersion, args.resultId, args.via ?? 'realtime'],
  );
}

export async function recordTriageOutbox(
  db: Queryable,
  args: { ticketId: number; triageId: number; contextVersion: string; via?: string },
): Promise<void> {
  await db.query(
    `INSERT INTO writeback_outbox (kind, ticket_id, source, external_id, context_version, triage_id, via)
     SELECT 'triage', t.id, t.source, t.external_id, $2, $3, $4 FROM tickets t WHERE t.id = $1
     ON CONFLICT (ticket_id, context_version, kind) DO NOTHING`,
    [args.ticketId, args.contextVersion, args.triageId, args.via ?? 'realtime'],
  );
}

export async function getOutbox(db: Queryable, id: number): Promise<OutboxRow | undefined> {
  const r = await db.query<OutboxRow>(`${SELECT} WHERE id = $1`, [id]);
  return r.rows[0];
}

export async function outboxOfTicket(
  db: Queryable,
  source: string,
  externalId: string,
): Promise<OutboxRow[]> {
  const r = await db.query<OutboxRow>(
    `${SELECT} WHERE source = $1 AND external_id = $2 ORDER BY id`,
    [source, externalId],
  );
  return r.rows;
}

export async function listOutbox(
  db: Queryable,
  filter: { status?: OutboxStatus; limit: number },
): Promise<OutboxRow[]> {
  const r = await db.query<OutboxRow>(
    `${SELECT} ${filter.status ? 'WHERE status = $2' : ''} ORDER BY id DESC LIMIT $1`,
    filter.status ? [filter.limit, filter.status] : [filter.limit],
  );
  return r.rows;
}

export async function outboxCounts(db: Queryable): Promise<Record<string, number>> {
  const r = await db.query<{ status: string; kind: string; n: number }>(
    'SELECT status, kind, count(*)::int AS n FROM writeback_outbox GROUP BY status, kind',
  );
  return Object.fromEntries(r.rows.map((x) => [`${x.kind}:${x.status}`, x.n]));
}

/**
 * Rows the relay should hand to the queue, claimed (status 'queued') in one
 * statement so two relays never queue the same row twice. The rows of a
 * source not in `on.sources` (write-back off for it) are settled `off` by the
 * same statement instead, their reason `on.offReason` with `%s` the source
 * (issue 13: one statement a pass where a claim and a settle took two); they
 * come back too, with that status.
 */
export async function claimPending(
  db: Queryable,
  limit: number,
  on: { sources: readonly string[]; offReason: string },
): Promise<OutboxRow[]> {
  // One statement: the claimed rows come back from the UPDATE itself, as they are after it.
  const r = await db.query<OutboxRow>(
    `WITH claimed AS (
       UPDATE writeback_outbox
          SET status = CASE WHEN source = ANY($2::text[]) THEN 'queued' ELSE 'off' END,
              reason = CASE WHEN source = ANY($2::text[]) THEN reason ELSE format($3::text, source) END,
              updated_at = now()
        WHERE id IN (SELECT id FROM writeback_outbox WHERE status = 'pending'
                     ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING ${COLUMNS})
     SELECT * FROM claimed ORDER BY id`,
    [limit, [...on.sources], on.offReason],
  );
  return r.rows;
}

/** Queued rows whose job may have been lost (Redis flushed, enqueue failed): back to pending. */
export async function requeueStale(db: Queryable, olderThanMs: number): Promise<number> {
  const r = await db.query(
    `UPDATE writeback_outbox SET status = 'pending', updated_at = now()
     WHERE status IN ('queued', 'sending') AND updated_at < now() - ($1::int * interval '1 millisecond')`,
    [olderThanMs],
  );
  return r.rowCount ?? 0;
}

export async function setOutboxStatus(
  db: Queryable,
  id: number,
  status: OutboxStatus,
  extra: {
    reason?: string | null;
    vendorStatus?: number | null;
    vendorAnswer?: string | null;
  } = {},
): Promise<void> {
  await db.query(
    `UPDATE writeback_outbox SET status = $2, reason = COALESCE($3, reason),
       vendor_status = COALESCE($4, vendor_status), vendor_answer = COALESCE($5, vendor_answer),
       delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END,
       updated_at = now()
     WHERE id = $1`,
    [id, status, extra.reason ?? null, extra.vendorStatus ?? null, extra.vendorAnswer ?? null],
  );
}

/** Several rows to one status in one statement (the relay's settled and requeued rows, issue 13). */
export async function setOutboxStatuses(
  db: Queryable,
  rows: { id: number; reason?: string | null }[],
  status: OutboxStatus,
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `UPDATE writeback_outbox o SET status = $3, reason = COALESCE(x.reason, o.reason), updated_at = now()
       FROM unnest($1::bigint[], $2::text[]) AS x(id, reason) WHERE o.id = x.id`,
    [rows.map((r) => r.id), rows.map((r) => r.reason ?? null), status],
  );
}

export async function markStepDone(db: Queryable, id: number, step: string): Promise<void> {
  await db.query(
    `UPDATE writeback_outbox SET steps_done = array_append(steps_done, $2), updated_at = now()
     WHERE id = $1 AND NOT ($2 = ANY(steps_done))`,
    [id, step],
  );
}

export async function countAttempt(db: Queryable, id: number): Promise<void> {
  await db.query(
    'UPDATE writeback_outbox SET attempts = attempts + 1, updated_at = now() WHERE id = $1',
    [id],
  );
}

/**
 * `ticket-qc writeback retry`: a failed row goes round again (a new job id).
 * Only failed rows: one still queued or waiting out a Retry-After has a live
 * job, and a second job could post its note twice.
 */
export async function resetForRetry(db: Queryable, id: number): Promise<boolean> {
  const r = await db.query(
    `UPDATE writeback_outbox SET status = 'pending', retries = retries + 1, reason = NULL,
       vendor_status = NULL, vendor_answer = NULL, updated_at = now()
     WHERE id = $1 AND status = 'failed'`,
    [id],
  );
  return (r.rowCount ?? 0) > 0;
}

export interface Decision {
  action: 'send' | 'skip';
  noteKind: 'new' | 'updated';
  /** The note to send (kept from the first decision on a retry). */
  note: string;
  /** Rows of this ticket already written, newest first (for tag swaps). */
  previous: OutboxRow | undefined;
}

/**
 * Decides, under a per-ticket lock, whether this row says anything new: the
 * last note of the same kind already sent (or being sent) for the same help
 * desk ticket is compared by fingerprint. Same → skipped; different →
 * an "updated" note; none → a new note. The row is then 'sending' (or
 * 'skipped') with its fingerprint and note, so a concurrent row sees it.
 */
export async function decideAndClaim(
  pool: Pool,
  row: OutboxRow,
  fingerprint: string,
  render: (noteKind: 'new' | 'updated') => string,
): Promise<Decision> {
  return withTransaction(pool, async (c: PoolClient) => {
    await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `writeback:${row.source}:${row.externalId}`,
    ]);
    const previous = await lastSent(c, row);
    // A retry of this very row keeps the decision it made the first time.
    if (row.noteKind && row.note) {
      await c.query(
        `UPDATE writeback_outbox SET status = 'sending', updated_at = now() WHERE id = $1`,
        [row.id],
      );
      return {
        action: 'send',
        noteKind: row.noteKind as 'new' | 'updated',
        note: row.note,
        previous,
      };
    }
    if (previous && previous.fingerprint === fingerprint) {
      await c.query(
        `UPDATE writeback_outbox SET status = 'skipped', fingerprint = $2,
           reason = $3, updated_at = now() WHERE id = $1`,
        [row.id, fingerprint, `same verdict as note #${previous.id}: nothing new to write`],
      );
      return { action: 'skip', noteKind: 'new', note: '', previous };
    }
    const noteKind = previous ? 'updated' : 'new';
    const note = render(noteKind);
    await c.query(
      `UPDATE writeback_outbox SET status = 'sending', fingerprint = $2, note_kind = $3, note = $4,
         updated_at = now() WHERE id = $1`,
      [row.id, fingerprint, noteKind, note],
    );
    return { action: 'send', noteKind, note, previous };
  });
}

/** The last note of this kind sent (or being sent) for the same help desk ticket. */
export async function lastSent(
  db: Queryable,
  row: Pick<OutboxRow, 'source' | 'externalId' | 'kind' | 'id'>,
): Promise<OutboxRow | undefined> {
  const r = await db.query<OutboxRow>(
    `${SELECT} WHERE source = $1 AND external_id = $2 AND kind = $3 AND id <> $4
       AND status IN ('sending', 'delivered') AND fingerprint IS NOT NULL
     ORDER BY id DESC LIMIT 1`,
    [row.source, row.externalId, row.kind, row.id],
  );
  return r.rows[0];
}

/** What a QC note reports: the stored verdict. */
export async function qcContentOf(db: Queryable, resultId: number): Promise<Verdict | undefined> {
  const r = await db.query<{ verdict: Verdict }>('SELECT verdict FROM qc_results WHERE id = $1', [
    resultId,
  ]);
  return r.rows[0]?.verdict;
}

export async function triageContentOf(
  db: Queryable,
  triageId: number,
): Promise<{ missing: string[]; question: string | null } | undefined> {
  const r = await db.query<{ missing: string[]; question: string | null }>(
    'SELECT missing, question FROM triage_results WHERE id = $1',
    [triageId],
  );
  return r.rows[0];
}

/** For the demo's summary: notes of these ticket versions by kind and state. */
export async function noteCounts(
  db: Queryable,
  ticketIds: number[],
): Promise<{ kind: OutboxKind; status: OutboxStatus; n: number }[]> {
  const r = await db.query<{ kind: OutboxKind; status: OutboxStatus; n: number }>(
    `SELECT kind, status, count(*)::int AS n FROM writeback_outbox
     WHERE ticket_id = ANY($1::bigint[]) GROUP BY kind, status ORDER BY kind, status`,
    [ticketIds],
  );
  return r.rows;
}
