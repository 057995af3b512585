import type { Queryable } from './pool.js';

/**
 * operator_notices: operational failures (invalid output, API faults,
 * timeouts, budget stops) that repeated, for an operator rather than a
 * team lead's context review. One notice covers its failures up to
 * covered_until; the same category notices again only on newer failures.
 */

export interface NoticeCandidate {
  agent: string;
  category: string;
  tickets: number;
  failures: number;
  firstAt: Date;
  lastAt: Date;
  ticketKeys: string[];
}

export interface Notice extends NoticeCandidate {
  id: number;
  coveredUntil: Date;
  details: Record<string, unknown>;
  acknowledgedBy: string | null;
  acknowledgedAt: Date | null;
  createdAt: Date;
}

/** Operational (agent, category) pairs with failures on ≥ threshold tickets since their last notice. */
export async function operationalRepeats(
  db: Queryable,
  pairs: { agent: string; category: string }[],
  opts: { now: Date; windowMs: number; threshold: number },
): Promise<NoticeCandidate[]> {
  const r = await db.query<NoticeCandidate>(
    `WITH pairs AS (
       SELECT p.agent, p.category,
              (SELECT max(n.covered_until) FROM operator_notices n
                WHERE n.agent = p.agent AND n.category = p.category) AS mark
       FROM unnest($1::text[], $2::text[]) AS p(agent, category))
     SELECT pairs.agent, pairs.category, f.tickets, f.failures, f."firstAt", f."lastAt",
            f."ticketKeys"
     FROM pairs CROSS JOIN LATERAL (
       SELECT count(DISTINCT (t.source, t.external_id))::int AS tickets, count(*)::int AS failures,
              min(e.occurred_at) AS "firstAt", max(e.occurred_at) AS "lastAt",
              array_agg(DISTINCT t.source || ' ' || t.external_id) AS "ticketKeys"
       FROM agent_events e JOIN tickets t ON t.id = e.ticket_id
       WHERE e.kind = 'failure' AND e.agent = pairs.agent AND e.category = pairs.category
         AND e.occurred_at >= $3::timestamptz AND e.occurred_at <= $4::timestamptz
         AND e.occurred_at > COALESCE(pairs.mark, '-infinity'::timestamptz)) f
     WHERE f.tickets >= $5
     ORDER BY f.tickets DESC, pairs.category`,
    [
      pairs.map((p) => p.agent),
      pairs.map((p) => p.category),
      new Date(opts.now.getTime() - opts.windowMs),
      opts.now,
      opts.threshold,
    ],
  );
  return r.rows;
}

export async function insertNotice(
  db: Queryable,
  n: NoticeCandidate & { details: Record<string, unknown> },
): Promise<number> {
  const r = await db.query<{ id: number }>(
    `INSERT INTO operator_notices (agent, category, tickets, failures, covered_tickets,
       covered_until, first_at, last_at, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8)
     RETURNING id`,
    [n.agent, n.category, n.tickets, n.failures, n.ticketKeys, n.lastAt, n.firstAt, n.details],
  );
  const id = r.rows[0]?.id;
  if (id === undefined) throw new Error('insert into operator_notices returned no id');
  return id;
}

const COLUMNS = `id, agent, category, tickets, failures, covered_tickets AS "ticketKeys",
  covered_until AS "coveredUntil", first_at AS "firstAt", last_at AS "lastAt", details,
  acknowledged_by AS "acknowledgedBy", acknowledged_at AS "acknowledgedAt", created_at AS "createdAt"`;

/** Notices, newest first; `open` only those no operator acknowledged. */
export async function listNotices(
  db: Queryable,
  opts: { open?: boolean; limit?: number } = {},
): Promise<Notice[]> {
  const r = await db.query<Notice>(
    `SELECT ${COLUMNS} FROM operator_notices
     WHERE ($1::boolean IS NOT TRUE OR acknowledged_at IS NULL)
     ORDER BY created_at DESC, id DESC LIMIT $2`,
    [opts.open ?? false, opts.limit ?? 20],
  );
  return r.rows;
}

export async function acknowledgeNotice(db: Queryable, id: number, by: string): Promise<boolean> {
  const r = await db.query(
    `UPDATE operator_notices SET acknowledged_by = $2, acknowledged_at = now()
     WHERE id = $1 AND acknowledged_at IS NULL`,
    [id, by],
  );
  return (r.rowCount ?? 0) > 0;
}
