import type { Range } from './costs.js';
import type { Queryable } from './pool.js';

/**
 * The true cost of the cheap worker: what needed the stronger model (tier-ups,
 * shadow grading, the chief of staff) and what needed a person (overrides).
 */

export const BUCKETS = [
  'cheap grading',
  'tier-ups',
  'shadow grading',
  'chief of staff',
  'evaluation',
  'other',
] as const;
export type Bucket = (typeof BUCKETS)[number];

export async function spendByBucket(
  db: Queryable,
  r: Range,
): Promise<Record<Bucket, { calls: number; costUsd: number }>> {
  const res = await db.query<{ bucket: Bucket; calls: number; cost: string }>(
    `SELECT CASE
              WHEN agent = 'chief-of-staff' OR purpose IN ('chief', 'backtest') THEN 'chief of staff'
              WHEN purpose = 'shadow' THEN 'shadow grading'
              WHEN purpose = 'tier_up' OR (purpose IN ('grade', 'repair', 'batch') AND tier = 'strong') THEN 'tier-ups'
              WHEN purpose IN ('grade', 'repair', 'batch') THEN 'cheap grading'
              WHEN purpose = 'eval' THEN 'evaluation'
              ELSE 'other' END AS bucket,
            count(*)::int AS calls, sum(cost_usd) AS cost
     FROM agent_events WHERE kind = 'llm_call' AND occurred_at >= $1 AND occurred_at < $2 GROUP BY 1`,
    [r.since, r.until],
  );
  const out = Object.fromEntries(BUCKETS.map((b) => [b, { calls: 0, costUsd: 0 }])) as Record<
    Bucket,
    { calls: number; costUsd: number }
  >;
  for (const row of res.rows) out[row.bucket] = { calls: row.calls, costUsd: Number(row.cost) };
  return out;
}

export interface TicketSupervision {
  graded: number;
  tierUps: number;
  shadowed: number;
  /** Tickets with a tier-up or a shadow grade: the ones the strong model saw. */
  strongSeen: number;
  overridden: number;
  /** Shadow samples whose outcome the strong model agreed with: the cheap verdict accepted. */
  shadowAccepted: number;
  tierUpCompared: number;
  tierUpAccepted: number;
}

export async function ticketSupervision(db: Queryable, r: Range): Promise<TicketSupervision> {
  const res = await db.query<TicketSupervision>(
    `SELECT count(*)::int AS graded,
            count(*) FILTER (WHERE tier = 'strong')::int AS "tierUps",
            count(*) FILTER (WHERE shadow->>'kind' = 'shadow')::int AS shadowed,
            count(*) FILTER (WHERE tier = 'strong' OR shadow->>'kind' = 'shadow')::int AS "strongSeen",
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM overrides o WHERE o.result_id = q.id))::int AS overridden,
            count(*) FILTER (WHERE shadow->>'kind' = 'shadow' AND (shadow->>'outcomeAgreed')::boolean)::int AS "shadowAccepted",
            count(*) FILTER (WHERE shadow->>'kind' = 'tier_up')::int AS "tierUpCompared",
            count(*) FILTER (WHERE shadow->>'kind' = 'tier_up' AND (shadow->>'outcomeAgreed')::boolean)::int AS "tierUpAccepted"
     FROM qc_results q WHERE graded_at >= $1 AND graded_at < $2`,
    [r.since, r.until],
  );
  return (
    res.rows[0] ?? {
      graded: 0,
      tierUps: 0,
      shadowed: 0,
      strongSeen: 0,
      overridden: 0,
      shadowAccepted: 0,
      tierUpCompared: 0,
      tierUpAccepted: 0,
    }
  );
}
