import type { Queryable } from './pool.js';

/**
 * Failure events (agent_events, kind 'failure') counted per (agent, category)
 * for the chief of staff's detection; the rule itself is described in
 * chief/detect.ts.
 */

export interface Pair {
  agent: string;
  category: string;
}

export interface Candidate extends Pair {
  tickets: number;
  events: number;
  /** The window start: failures recorded at or after it count… */
  windowStart: Date;
  /** …and, when a proposal covers the pair, only those recorded after its watermark. */
  mark: Date | null;
}

export interface DetectOptions {
  now: Date;
  windowMs: number;
  threshold: number;
}

export const DETECT_SQL = `
WITH pairs AS (
  SELECT p.agent, p.category,
         (SELECT max(pp.covered_until) FROM prompt_proposals pp
           WHERE pp.agent = p.agent AND pp.category = p.category
             AND pp.status IN ('pending', 'approved', 'rejected')) AS mark
  FROM unnest($1::text[], $2::text[]) AS p(agent, category)
)
SELECT pairs.agent, pairs.category, f.tickets, f.events,
       $3::timestamptz AS "windowStart", pairs.mark
FROM pairs
CROSS JOIN LATERAL (
  SELECT count(DISTINCT (t.source, t.external_id))::int AS tickets, count(*)::int AS events
  FROM agent_events e
  JOIN tickets t ON t.id = e.ticket_id
  WHERE e.kind = 'failure'
    AND e.agent = pairs.agent AND e.category = pairs.category
    AND e.occurred_at >= $3::timestamptz AND e.occurred_at <= $5::timestamptz
    AND e.occurred_at > COALESCE(pairs.mark, '-infinity'::timestamptz)
    AND e.ticket_id IS NOT NULL
) f
WHERE f.tickets >= $4
ORDER BY f.tickets DESC, pairs.agent, pairs.category`;

export function detectParams(pairs: Pair[], opts: DetectOptions): unknown[] {
  return [
    pairs.map((p) => p.agent),
    pairs.map((p) => p.category),
    new Date(opts.now.getTime() - opts.windowMs),
    opts.threshold,
    opts.now,
  ];
}

/** Pairs with failures on at least `threshold` distinct tickets in the window, past their watermark. */
export async function failuresByPair(
  db: Queryable,
  pairs: Pair[],
  opts: DetectOptions,
): Promise<Candidate[]> {
  const r = await db.query<Candidate>(DETECT_SQL, detectParams(pairs, opts));
  return r.rows;
}

export interface CandidateEvent {
  id: number;
  ticketId: number;
  occurredAt: Date;
  details: Record<string, unknown>;
}

/** The uncovered failures of one candidate, oldest first (the proposal covers all of them). */
export async function candidateEvents(
  db: Queryable,
  c: Candidate,
  now: Date,
): Promise<CandidateEvent[]> {
  const r = await db.query<CandidateEvent>(
    `SELECT id, ticket_id AS "ticketId", occurred_at AS "occurredAt", details
     FROM agent_events
     WHERE kind = 'failure' AND agent = $1 AND category = $2
       AND occurred_at >= $3 AND occurred_at > COALESCE($4::timestamptz, '-infinity')
       AND occurred_at <= $5 AND ticket_id IS NOT NULL
     ORDER BY occurred_at, id`,
    [c.agent, c.category, c.windowStart, c.mark, now],
  );
  return r.rows;
}
