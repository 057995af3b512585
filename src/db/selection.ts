import { Ticket } from '../ticket/schema.js';
import type { Queryable } from './pool.js';

/** The Message Batches selection: which stored tickets a batch run grades. */

export interface Selection {
  contextVersion: string;
  /** Help-desk statuses worth grading (QC_GRADE_ON_STATUS): open tickets wait. */
  statuses: string[];
  /** On the ticket's last update: since inclusive, until exclusive. */
  since?: Date | undefined;
  until?: Date | undefined;
}

/** A request for a ticket that failed this many times is not selected again. */
const MAX_FAILED_ATTEMPTS = 3;

/**
 * The WHERE clause of "historical tickets without a result for the active
 * context version": the latest version of each ticket, in a grading status,
 * neither graded, nor on the realtime queue (qc_status 'queued': that path
 * owns it), nor already mapped into a batch for this context version.
 * Failed requests are retried by later runs, up to MAX_FAILED_ATTEMPTS. A
 * request settled as `followup` says nothing by itself: the ticket's later
 * round decides (pending, graded, failed…); until that round is bundled
 * (a crash between journaling and bundling, and `batch run` selects before
 * its pass bundles), the journaled follow-up itself keeps the ticket out.
 */
const WHERE = `
  t.status = ANY($2::text[])
  AND t.qc_status NOT IN ('superseded', 'skipped', 'queued')
  AND ($3::timestamptz IS NULL OR t.ticket_updated_at >= $3)
  AND ($4::timestamptz IS NULL OR t.ticket_updated_at < $4)
  AND NOT EXISTS (
    SELECT 1 FROM tickets n WHERE n.source = t.source AND n.external_id = t.external_id
      AND (n.ticket_updated_at, n.id) > (t.ticket_updated_at, t.id))
  AND NOT EXISTS (
    SELECT 1 FROM qc_results r WHERE r.ticket_id = t.id AND r.context_version = $1)
  AND NOT EXISTS (
    SELECT 1 FROM batch_requests b WHERE b.ticket_id = t.id AND b.context_version = $1
      AND b.state NOT IN ('failed', 'superseded', 'followup'))
  AND NOT EXISTS (
    SELECT 1 FROM batch_followups f WHERE f.ticket_id = t.id AND f.context_version = $1
      AND f.chunk_id IS NULL)
  AND (SELECT count(*) FROM batch_requests b WHERE b.ticket_id = t.id
      AND b.context_version = $1 AND b.state = 'failed') < ${MAX_FAILED_ATTEMPTS}`;

const args = (s: Selection) => [s.contextVersion, s.statuses, s.since ?? null, s.until ?? null];

/** How many ticket versions the selection holds (what a batch run would grade). */
export async function countSelection(db: Queryable, s: Selection): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM tickets t WHERE ${WHERE}`,
    args(s),
  );
  return r.rows[0]?.n ?? 0;
}

/** One page of the selection in id order, with the tickets (keyset: id > afterId). */
export async function selectPage(
  db: Queryable,
  s: Selection,
  afterId: number,
  limit: number,
): Promise<{ id: number; contentHash: string; ticket: Ticket }[]> {
  const r = await db.query<{ id: number; content_hash: string; ticket: unknown }>(
    `SELECT t.id, t.content_hash, t.ticket FROM tickets t WHERE ${WHERE} AND t.id > $5
     ORDER BY t.id LIMIT $6`,
    [...args(s), afterId, limit],
  );
  return r.rows.map((row) => ({
    id: row.id,
    contentHash: row.content_hash,
    ticket: Ticket.parse(row.ticket),
  }));
}

/** A few tickets of the selection with their stored JSON length, to estimate tokens per character. */
export async function sampleSelection(
  db: Queryable,
  s: Selection,
  n: number,
): Promise<{ ticket: Ticket; chars: number }[]> {
  const r = await db.query<{ ticket: unknown; chars: number }>(
    `SELECT t.ticket, length(t.ticket::text) AS chars FROM tickets t WHERE ${WHERE}
     ORDER BY t.id LIMIT $5`,
    [...args(s), n],
  );
  return r.rows.map((row) => ({ ticket: Ticket.parse(row.ticket), chars: row.chars }));
}

/**
 * Size statistics of the selection for a dry run, without loading it: the
 * count, and the total characters of the stored ticket JSON (tokens are
 * estimated from a sample's characters-per-token).
 */
export async function selectionStats(
  db: Queryable,
  s: Selection,
  limit: number | undefined,
): Promise<{ n: number; chars: number }> {
  const r = await db.query<{ n: number; chars: string | null }>(
    `SELECT count(*)::int AS n, sum(length(x.ticket::text)) AS chars FROM (
       SELECT t.ticket FROM tickets t WHERE ${WHERE} ORDER BY t.id LIMIT $5) x`,
    [...args(s), limit ?? null],
  );
  return { n: r.rows[0]?.n ?? 0, chars: Number(r.rows[0]?.chars ?? 0) };
}

/**
 * `--since`/`--until`: a date (YYYY-MM-DD, midnight in QC_TZ; an --until date
 * includes that whole day) or an ISO-8601 time with an offset.
 */
export async function parseDateOption(
  db: Queryable,
  text: string,
  tz: string,
  kind: 'since' | 'until',
): Promise<Date> {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const r = await db.query<{ at: Date }>(
      `SELECT (($1::date + $3::int)::timestamp AT TIME ZONE $2) AS at`,
      [text, tz, kind === 'until' ? 1 : 0],
    );
    return r.rows[0]?.at as Date;
  }
  if (!/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new Error(
      `--${kind} "${text}": use a date (2026-10-01) or a time with an offset (2026-10-01T08:00:00Z)`,
    );
  }
  return new Date(text);
}
