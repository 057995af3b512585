import type { Queryable } from './pool.js';

/**
 * The grading state of one ticket version (`tickets.qc_status`; the CHECK
 * constraint is in migrations/001_core.sql). PostgreSQL is the truth about
 * what is graded — a result row — so this column is a cheap index of what
 * is left to do (a partial index covers stored and queued), not a lock.
 */
export const QC_STATUS = {
  /** Accepted and committed; no job known to be in Redis (Redis refused it, or none was made yet). The reconciler schedules it. */
  stored: 'stored',
  /** A grading job was scheduled (realtime, reconciler, or a batch run through the queue). */
  queued: 'queued',
  /** A result was saved for this version (for some context version). */
  graded: 'graded',
  /** A newer version of the same ticket is stored: this one is never graded. */
  superseded: 'superseded',
  /** The latest version, but in a vendor status that is not graded (e.g. still open); a later version may be. */
  skipped: 'skipped',
  /** Allowed by the schema; nothing sets it today. */
  failed: 'failed',
  /** In a grading status, but the conversation was neither sent nor fetchable: waits for it (db/threads.ts, migration 014). */
  needs_thread: 'needs_thread',
} as const;
export type QcStatus = (typeof QC_STATUS)[keyof typeof QC_STATUS];

const ALL: readonly QcStatus[] = Object.values(QC_STATUS);
const { stored, queued, graded, superseded, skipped, needs_thread } = QC_STATUS;

/**
 * Every transition the system makes, written down once: the states a version
 * may leave by it, and the state it enters. `transitionQcStatus` is the only
 * code that writes the column; a version in any other state is left alone.
 */
export const QC_TRANSITIONS = {
  /** Ingest: the version just stored is the latest, in a grading status, and ungraded; its job is being scheduled (optimistically). */
  schedule: { from: [stored, queued, skipped], to: queued },
  /** Ingest: the version just stored is the latest, but its vendor status is not graded. */
  skip: { from: [stored, queued, skipped], to: skipped },
  /** Ingest: a newer version of the ticket is stored (older versions, or a version that arrived late). Graded versions keep their result. */
  supersede: { from: [stored, queued, skipped], to: superseded },
  /** Ingest: Redis refused (or is absent): the version waits in PostgreSQL for the reconciler. */
  wait: { from: [queued], to: stored },
  /** Reconciler: a waiting version got its job. */
  reconcile: { from: [stored, skipped], to: queued },
  /**
   * Batches: the version goes on the realtime queue (`batch run --via queue`,
   * or an errored batch entry requeued). From any state, as before this table
   * existed — a graded version is regraded for a new context version; a
   * superseded one is skipped again by the worker.
   */
  batchQueue: { from: ALL, to: queued },
  /** Worker: a newer version exists when the job runs. From any state: the job is not graded. */
  supersedeAtGrade: { from: ALL, to: superseded },
  /** A result was saved: whatever the column said, the result row is the truth. */
  grade: { from: ALL, to: graded },
  /** Ingest: the latest version arrived without its thread; it waits for a later webhook or fetch. */
  holdForThread: { from: [stored, queued], to: needs_thread },
  /** Ingest: a newer version of the ticket (with its thread, or not) ends older waits. */
  endThreadWait: { from: [needs_thread], to: superseded },
  /** API sweep: a wait past QC_NEEDS_THREAD_TIMEOUT is graded as it is (the reconciler queues it). */
  releaseThreadWait: { from: [needs_thread], to: stored },
} as const satisfies Record<string, { from: readonly QcStatus[]; to: QcStatus }>;
export type QcTransition = keyof typeof QC_TRANSITIONS;

/** Which rows a transition applies to. */
export type QcTarget =
  /** These ticket versions. */
  | { ids: readonly number[] }
  /** Every other version of the same ticket as this one (or as each of these: one per ticket). */
  | { otherVersionsOf: number | readonly number[] }
  /** This version, only when a newer version of its ticket is stored. */
  | { ifNewerThan: number };

/**
 * Performs a named transition on the targeted versions that are in one of
 * its allowed states; the others are left unchanged (refused). Returns the ids
 * that changed.
 */
export async function transitionQcStatus(
  db: Queryable,
  name: QcTransition,
  target: QcTarget,
): Promise<number[]> {
  const t = QC_TRANSITIONS[name];
  if (!t) throw new Error(`unknown qc_status transition: ${String(name)}`);
  const allowed = [...t.from];
  let sql: string;
  let key: readonly number[] | number;
  if ('ids' in target) {
    if (target.ids.length === 0) return [];
    sql = `UPDATE tickets t SET qc_status = $1
           WHERE t.id = ANY($3::bigint[]) AND t.qc_status = ANY($2::text[])
           RETURNING t.id`;
    key = target.ids;
  } else if ('otherVersionsOf' in target) {
    sql = `UPDATE tickets t SET qc_status = $1 FROM tickets me
           WHERE me.id = ANY($3::bigint[]) AND t.source = me.source AND t.external_id = me.external_id
             AND t.id <> me.id AND t.qc_status = ANY($2::text[])
           RETURNING t.id`;
    const of = target.otherVersionsOf;
    key = typeof of === 'number' ? [of] : of;
    if (key.length === 0) return [];
  } else {
    sql = `UPDATE tickets t SET qc_status = $1
           WHERE t.id = $3 AND t.qc_status = ANY($2::text[]) AND EXISTS (
             SELECT 1 FROM tickets n WHERE n.source = t.source AND n.external_id = t.external_id
               AND (n.ticket_updated_at, n.id) > (t.ticket_updated_at, t.id))
           RETURNING t.id`;
    key = target.ifNewerThan;
  }
  const r = await db.query<{ id: number }>(sql, [t.to, allowed, key]);
  return r.rows.map((row) => row.id);
}
