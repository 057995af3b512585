import type { Queryable } from './pool.js';

/**
 * Failure events (agent_events, kind 'failure') counted per (agent, category)
 * for the chief of staff's detection; the rule itself is described in
 * chief/detect.ts.
 */

export interface Pair {
  agent: string;
  category: string;
  /** The context file that answers for the pair: decisions count per (agent, category, file). */
  file: string;
}

export interface Candidate extends Pair {
  tickets: number;
  events: number;
  /** The window start: failures recorded at or after it count… */
  windowStart: Date;
  /** …and, when a proposal covers the pair, only those recorded after its watermark… */
  mark: Date | null;
  /** …on tickets no covering proposal of the pair has seen (source + ' ' + external id). */
  seen: string[];
}

/** The ticket key a proposal covers: a ticket is (source, external id), not a stored version. */
export const TICKET_KEY_SQL = "t.source || ' ' || t.external_id";

export interface DetectOptions {
  now: Date;
  windowMs: number;
  threshold: number;
  /** Proposal states whose tickets stay covered (decisions/lifecycle.ts COVERING). */
  covering: readonly string[];
}

export const DETECT_SQL = `
WITH pairs AS (
  SELECT p.agent, p.category, p.file,
         (SELECT max(pp.covered_until) FROM prompt_proposals pp
           WHERE pp.agent = p.agent AND pp.category = p.category AND pp.file = p.file
             AND pp.status = ANY($7::text[])) AS mark,
         ARRAY(SELECT DISTINCT k FROM prompt_proposals pp, unnest(pp.covered_tickets) k
           WHERE pp.agent = p.agent AND pp.category = p.category AND pp.file = p.file
             AND pp.status = ANY($7::text[])) AS seen
  FROM unnest($1::text[], $2::text[], $6::text[]) AS p(agent, category, file)
)
SELECT pairs.agent, pairs.category, pairs.file, f.tickets, f.events,
       $3::timestamptz AS "windowStart", pairs.mark, pairs.seen
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
    AND NOT (${TICKET_KEY_SQL} = ANY(pairs.seen))
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
    pairs.map((p) => p.file),
    opts.covering,
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
  /** The ticket (source + ' ' + external id), whatever version the failure was recorded on. */
  ticketKey?: string;
  occurredAt: Date;
  details: Record<string, unknown>;
}

/** The uncovered failures of one candidate, oldest first (the proposal covers all of them). */
export async function candidateEvents(
  db: Queryable,
  c: Pick<Candidate, 'agent' | 'category' | 'windowStart' | 'mark' | 'seen'>,
  now: Date,
): Promise<CandidateEvent[]> {
  const r = await db.query<CandidateEvent>(
    `SELECT e.id, e.ticket_id AS "ticketId", ${TICKET_KEY_SQL} AS "ticketKey",
            e.occurred_at AS "occurredAt", e.details
     FROM agent_events e JOIN tickets t ON t.id = e.ticket_id
     WHERE e.kind = 'failure' AND e.agent = $1 AND e.category = $2
       AND e.occurred_at >= $3 AND e.occurred_at > COALESCE($4::timestamptz, '-infinity')
       AND e.occurred_at <= $5 AND e.ticket_id IS NOT NULL
       AND NOT (${TICKET_KEY_SQL} = ANY($6::text[]))
     ORDER BY e.occurred_at, e.id`,
    [c.agent, c.category, c.windowStart, c.mark, now, c.seen ?? []],
  );
  return r.rows;
}

/**
 * Tickets (keys) among `keys` whose criterion a team lead settled: an
 * override on that criterion, or a gold label that grades it. Shadow
 * disagreements count as evidence only on these: Sonnet is not ground truth.
 */
export async function adjudicated(
  db: Queryable,
  criterion: string,
  keys: readonly string[],
): Promise<Map<string, { expected: string; source: 'override' | 'gold' }>> {
  if (keys.length === 0) return new Map();
  const r = await db.query<{ key: string; expected: string; source: 'override' | 'gold' }>(
    `SELECT DISTINCT ON (key) key, expected, source FROM (
       SELECT ${TICKET_KEY_SQL} AS key, o.corrected AS expected, 'override' AS source,
              0 AS rank, o.created_at AS at
       FROM overrides o JOIN tickets t ON t.id = o.ticket_id
       WHERE o.criterion = $1 AND (${TICKET_KEY_SQL}) = ANY($2::text[])
       UNION ALL
       SELECT ${TICKET_KEY_SQL}, g.gold->'criteria'->>$1, 'gold', 1, g.created_at
       FROM gold_labels g JOIN tickets t ON t.id = g.ticket_id
       WHERE g.gold->'criteria' ? $1 AND (${TICKET_KEY_SQL}) = ANY($2::text[])
     ) x ORDER BY key, rank, at DESC`,
    [criterion, keys],
  );
  return new Map(r.rows.map((x) => [x.key, { expected: x.expected, source: x.source }]));
}
