import type { Queryable } from './pool.js';
import { QC_TRANSITIONS } from './qc-status.js';

// Each statement moves qc_status by a transition of QC_TRANSITIONS (db/qc-status.ts),
// read from that table so the allowed states are written down once.
const { holdForThread: HOLD, endThreadWait: END, releaseThreadWait: RELEASE } = QC_TRANSITIONS;

/**
 * The 'needs_thread' state (migration 014). A version in a grading status
 * whose conversation the source did not send and could not be fetched waits
 * here instead of being graded `cannot_judge`: a later webhook or fetch that
 * brings the thread stores a newer version (which supersedes the wait), and a
 * wait that outlives QC_NEEDS_THREAD_TIMEOUT goes back to 'stored', where the
 * reconciler queues it and the grader says the thread is missing.
 */

/**
 * Under the ticket's lock, after the version was stored as the latest: hold
 * it for its thread. The clock starts at the ticket's first wait, so a
 * stream of thread-less updates cannot postpone the escalation for ever.
 */
export async function holdForThread(db: Queryable, ticketId: number): Promise<boolean> {
  const r = await db.query(
    `UPDATE tickets t SET qc_status = $2,
       needs_thread_since = coalesce(
         (SELECT min(o.needs_thread_since) FROM tickets o
          WHERE o.source = t.source AND o.external_id = t.external_id AND o.qc_status = $2),
         now())
     WHERE t.id = $1 AND t.qc_status = ANY($3::text[])`,
    [ticketId, HOLD.to, [...HOLD.from]],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Newer versions of these tickets were stored (`latestIds`, at most one per
 * ticket): the older versions' waits for a thread are over.
 */
export async function endThreadWaits(db: Queryable, latestIds: readonly number[]): Promise<number> {
  if (latestIds.length === 0) return 0;
  const r = await db.query(
    `UPDATE tickets t SET qc_status = $2 FROM tickets me
     WHERE me.id = ANY($1::bigint[]) AND t.source = me.source AND t.external_id = me.external_id
       AND t.id <> me.id AND t.qc_status = ANY($3::text[])`,
    [latestIds, END.to, [...END.from]],
  );
  return r.rowCount ?? 0;
}

/** Waits older than `timeoutMs` go back to 'stored': the reconciler grades them as they are. */
export async function releaseExpiredThreadWaits(db: Queryable, timeoutMs: number): Promise<number> {
  const r = await db.query(
    `UPDATE tickets SET qc_status = $2
     WHERE qc_status = ANY($3::text[])
       AND needs_thread_since < now() - make_interval(secs => $1::float8 / 1000)`,
    [timeoutMs, RELEASE.to, [...RELEASE.from]],
  );
  return r.rowCount ?? 0;
}

export interface ThreadWait {
  id: number;
  source: string;
  externalId: string;
  since: string;
}

/** How many tickets wait for their thread, per source: for /metrics and the review pages. */
export async function needsThreadCounts(db: Queryable): Promise<Record<string, number>> {
  const r = await db.query<{ source: string; n: number }>(
    `SELECT source, count(*)::int AS n FROM tickets WHERE qc_status = 'needs_thread' GROUP BY source`,
  );
  return Object.fromEntries(r.rows.map((x) => [x.source, x.n]));
}

/** The external id of the stored ticket a vendor-side id belongs to (Jira Server comment events). */
export async function externalIdByIssueId(
  db: Queryable,
  source: string,
  issueId: string,
): Promise<string | undefined> {
  const r = await db.query<{ external_id: string }>(
    `SELECT external_id FROM tickets
     WHERE source = $1 AND ticket->'customFields' ? 'issue_id' AND ticket->'customFields'->>'issue_id' = $2
     ORDER BY id DESC LIMIT 1`,
    [source, issueId],
  );
  return r.rows[0]?.external_id;
}
