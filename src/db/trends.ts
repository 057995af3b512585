import type { Queryable } from './pool.js';

/**
 * Weekly trends over help-desk tickets (ticket_index: one row per ticket, its
 * newest graded version), not over versions: a ticket edited three times is
 * one ticket. The week is the ticket's own date by default (a backlog graded
 * in one night still spreads over the weeks it happened), or the grading date.
 */

export type TrendBasis = 'ticket' | 'graded';

export interface TrendFilter {
  basis: TrendBasis;
  since: Date;
  until: Date;
  technician?: string | undefined;
  category?: string | undefined;
}

export interface TrendWeek {
  week: string;
  tickets: number;
  passed: number;
  escalated: number;
  overridden: number;
  costUsd: number;
}

export interface TrendGroup {
  key: string;
  label: string;
  tickets: number;
  passed: number;
  escalated: number;
  overridden: number;
  costUsd: number;
}

/** Group keys for tickets without an assignee / a category (the filter reads them back as NULL). */
const UNASSIGNED = '(unassigned)';
const NO_CATEGORY = '(none)';

function scope(f: TrendFilter): { where: string; params: unknown[]; col: string } {
  const col = f.basis === 'graded' ? 'ti.graded_at' : 'ti.ticket_at';
  const params: unknown[] = [f.since, f.until];
  const where = [`${col} >= $1`, `${col} < $2`];
  // The group keys trendGroups hands out: '(unassigned)' and '(none)' stand for NULL.
  if (f.technician === UNASSIGNED) where.push('ti.technician_key IS NULL');
  else if (f.technician) where.push(`ti.technician_key = $${params.push(f.technician)}`);
  if (f.category === NO_CATEGORY) where.push('ti.category IS NULL');
  else if (f.category) where.push(`ti.category = $${params.push(f.category)}`);
  return { where: where.join(' AND '), params, col };
}

/** Grading spend per ticket: every result of every version of it. */
const COST = `(SELECT coalesce(sum(r.cost_usd), 0) FROM tickets t JOIN qc_results r ON r.ticket_id = t.id
               WHERE t.source = ti.source AND t.external_id = ti.external_id)`;

export async function weeklyTrend(db: Queryable, f: TrendFilter): Promise<TrendWeek[]> {
  const s = scope(f);
  const r = await db.query<TrendWeek>(
    `SELECT to_char(date_trunc('week', ${s.col} AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week,
            count(*)::int AS tickets,
            count(*) FILTER (WHERE ti.outcome = 'pass')::int AS passed,
            count(*) FILTER (WHERE ti.escalated)::int AS escalated,
            count(*) FILTER (WHERE ti.overridden)::int AS overridden,
            sum(${COST})::float8 AS "costUsd"
     FROM ticket_index ti WHERE ${s.where} GROUP BY 1 ORDER BY 1`,
    s.params,
  );
  return r.rows;
}

/** Escalation rate by rule per week: tickets whose newest verdict raised the rule. */
export async function weeklyEscalationsByRule(
  db: Queryable,
  f: TrendFilter,
): Promise<{ week: string; rule: string; tickets: number }[]> {
  const s = scope(f);
  const r = await db.query<{ week: string; rule: string; tickets: number }>(
    `SELECT to_char(date_trunc('week', ${s.col} AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week, e.rule,
            count(DISTINCT ti.id)::int AS tickets
     FROM ticket_index ti JOIN escalations e ON e.result_id = ti.result_id
     WHERE ${s.where} GROUP BY 1, 2 ORDER BY 1, 2`,
    s.params,
  );
  return r.rows;
}

/** The same numbers over the whole range, per technician or per category. */
export async function trendGroups(
  db: Queryable,
  f: TrendFilter,
  by: 'technician' | 'category',
): Promise<TrendGroup[]> {
  const s = scope(f);
  const key =
    by === 'technician'
      ? `coalesce(ti.technician_key, '${UNASSIGNED}')`
      : `coalesce(ti.category, '${NO_CATEGORY}')`;
  const label =
    by === 'technician'
      ? `coalesce(max(ti.technician), max(ti.technician_key), '${UNASSIGNED}')`
      : `coalesce(max(ti.category), '${NO_CATEGORY}')`;
  const r = await db.query<TrendGroup>(
    `SELECT ${key} AS key, ${label} AS label, count(*)::int AS tickets,
            count(*) FILTER (WHERE ti.outcome = 'pass')::int AS passed,
            count(*) FILTER (WHERE ti.escalated)::int AS escalated,
            count(*) FILTER (WHERE ti.overridden)::int AS overridden,
            sum(${COST})::float8 AS "costUsd"
     FROM ticket_index ti WHERE ${s.where} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 200`,
    s.params,
  );
  return r.rows;
}

/** Open escalations by how long they have waited, for the landing page. */
export async function openEscalationAges(
  db: Queryable,
  now: Date,
): Promise<{ bucket: string; n: number }[]> {
  const r = await db.query<{ bucket: string; n: number }>(
    `SELECT CASE WHEN age < interval '1 day' THEN 'under 1 day'
                 WHEN age < interval '3 days' THEN '1–3 days'
                 WHEN age < interval '7 days' THEN '3–7 days'
                 ELSE 'over 7 days' END AS bucket, count(*)::int AS n
     FROM (SELECT $1::timestamptz - created_at AS age FROM escalations WHERE status <> 'resolved') x
     GROUP BY 1`,
    [now],
  );
  return r.rows;
}

export async function pendingProposalCount(db: Queryable): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM prompt_proposals WHERE status = 'pending'`,
  );
  return r.rows[0]?.n ?? 0;
}
