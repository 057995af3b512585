import type { Queryable } from './pool.js';

/** overrides rows: a team lead overturning a verdict or one criterion. */

export interface Override {
  id: number;
  ticketId: number;
  resultId: number;
  criterion: string | null;
  original: string;
  corrected: string;
  reason: string;
  evidence: string | null;
  reviewer: string;
  eventId: number | null;
  createdAt: Date;
}

const COLUMNS = `id, ticket_id AS "ticketId", result_id AS "resultId", criterion, original,
  corrected, reason, evidence, reviewer, event_id AS "eventId", created_at AS "createdAt"`;

export async function insertOverride(
  db: Queryable,
  o: {
    ticketId: number;
    resultId: number;
    criterion: string | null;
    original: string;
    corrected: string;
    reason: string;
    evidence: string | null;
    reviewer: string;
    eventId: number | null;
  },
): Promise<Override> {
  const row = await db.query<Override>(
    `INSERT INTO overrides (ticket_id, result_id, criterion, original, corrected, reason,
       evidence, reviewer, event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     RETURNING ${COLUMNS}`,
    [
      o.ticketId,
      o.resultId,
      o.criterion,
      o.original,
      o.corrected,
      o.reason,
      o.evidence,
      o.reviewer,
      o.eventId,
    ],
  );
  const created = row.rows[0];
  if (!created) throw new Error('insert into overrides returned no row');
  return created;
}

export async function listOverrides(
  db: Queryable,
  opts: {
    ticketId?: number;
    limit?: number /** Keyset paging. */;
    beforeId?: number | undefined;
  } = {},
): Promise<Override[]> {
  const r = await db.query<Override>(
    `SELECT ${COLUMNS}
     FROM overrides WHERE ($1::bigint IS NULL OR ticket_id = $1)
       AND ($3::bigint IS NULL OR (created_at, id) < (SELECT created_at, id FROM overrides WHERE id = $3))
     ORDER BY created_at DESC, id DESC LIMIT $2`,
    [opts.ticketId ?? null, opts.limit ?? 50, opts.beforeId ?? null],
  );
  return r.rows;
}

/** The corrections on one result, oldest first. */
export async function overridesOfResult(
  db: Queryable,
  resultId: number,
): Promise<{ criterion: string | null; corrected: string }[]> {
  const o = await db.query<{ criterion: string | null; corrected: string }>(
    'SELECT criterion, corrected FROM overrides WHERE result_id = $1 ORDER BY created_at, id',
    [resultId],
  );
  return o.rows;
}

/**
 * The same correction already on this result (same criterion, same answer):
 * recording it again would count one mistake twice for the chief of staff.
 */
export async function sameOverride(
  db: Queryable,
  o: { resultId: number; criterion: string | null; corrected: string },
): Promise<{ id: number; reviewer: string; createdAt: Date } | undefined> {
  const r = await db.query<{ id: number; reviewer: string; createdAt: Date }>(
    `SELECT id, reviewer, created_at AS "createdAt" FROM overrides
     WHERE result_id = $1 AND criterion IS NOT DISTINCT FROM $2 AND corrected = $3
     ORDER BY id DESC LIMIT 1`,
    [o.resultId, o.criterion, o.corrected],
  );
  return r.rows[0];
}

/** The corrections on one result with who and why, oldest first (the verdict card shows them). */
export async function correctionsOfResult(db: Queryable, resultId: number): Promise<Override[]> {
  const r = await db.query<Override>(
    `SELECT ${COLUMNS} FROM overrides WHERE result_id = $1 ORDER BY created_at, id`,
    [resultId],
  );
  return r.rows;
}
