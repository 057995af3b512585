import type { Range } from './costs.js';
import type { Queryable } from './pool.js';

/**
 * Scorecards per technician (the ticket's assignee), counting help-desk
 * tickets, not versions: each ticket once, by the newest result of its newest
 * version graded in the range. What a team lead coaches from.
 * A technician is the stable person key (`tickets.assignee_key`: source id,
 * else e-mail), not the display string: a renamed technician stays one card,
 * two namesakes stay two, and one known only by id is not "(unassigned)".
 */

export interface Scorecard {
  /** The display label: the latest known name, or "unknown (<key>)" when the source gave only an id. */
  assignee: string;
  /** The stable person key; "(unassigned)" for tickets without an assignee. */
  key: string;
  graded: number;
  passed: number;
  failed: number;
  escalated: number;
  avgScore: number;
  /** Criteria most often missing or partial, worst first. */
  missed: { criterion: string; n: number }[];
  /** Pass rate per ISO week (Monday, UTC), oldest first. */
  weeks: { week: string; graded: number; passed: number }[];
}

export async function scorecards(db: Queryable, r: Range): Promise<Scorecard[]> {
  // One row per ticket (source, external id): its latest result in the range,
  // whatever the number of versions or regrades under new context versions.
  const base = `WITH graded AS (
      SELECT DISTINCT ON (t.source, t.external_id)
             coalesce(t.assignee_key, CASE WHEN t.assignee IS NOT NULL AND t.assignee <> 'unknown'
                                           THEN t.source || ':name:' || t.assignee END,
                      '(unassigned)') AS key,
             nullif(t.assignee, 'unknown') AS name, t.id AS ticket_id,
             q.outcome, q.score, q.verdict, q.graded_at
      FROM (
        -- One row per help-desk ticket: its newest version's newest result in the range.
        SELECT DISTINCT ON (t.source, t.external_id) t.id AS tid, q.id AS qid
        FROM qc_results q JOIN tickets t ON t.id = q.ticket_id
        WHERE q.graded_at >= $1 AND q.graded_at < $2
        ORDER BY t.source, t.external_id, t.ticket_updated_at DESC, t.id DESC, q.graded_at DESC, q.id DESC
      ) latest JOIN qc_results q ON q.id = latest.qid JOIN tickets t ON t.id = latest.tid)`;
  const totals = await db.query<Omit<Scorecard, 'missed' | 'weeks'>>(
    `${base} SELECT key,
        CASE WHEN key = '(unassigned)' THEN key
             ELSE coalesce((array_agg(name ORDER BY ticket_id DESC) FILTER (WHERE name IS NOT NULL))[1],
                           'unknown (' || key || ')') END AS assignee,
        count(*)::int AS graded,
        count(*) FILTER (WHERE outcome = 'pass')::int AS passed,
        count(*) FILTER (WHERE outcome = 'fail')::int AS failed,
        count(*) FILTER (WHERE outcome = 'escalate')::int AS escalated,
        round(avg(score))::int AS "avgScore"
     FROM graded GROUP BY key ORDER BY count(*) DESC, key`,
    [r.since, r.until],
  );
  const missed = await db.query<{ key: string; criterion: string; n: number }>(
    `${base} SELECT key, c->>'criterion' AS criterion, count(*)::int AS n
     FROM graded, jsonb_array_elements(verdict->'criteria') c
     WHERE c->>'result' IN ('missing', 'partial')
     GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`,
    [r.since, r.until],
  );
  const weeks = await db.query<{ key: string; week: string; graded: number; passed: number }>(
    `${base} SELECT key, to_char(date_trunc('week', graded_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week,
        count(*)::int AS graded, count(*) FILTER (WHERE outcome = 'pass')::int AS passed
     FROM graded GROUP BY 1, 2 ORDER BY 1, 2`,
    [r.since, r.until],
  );
  return totals.rows.map((t) => ({
    ...t,
    missed: missed.rows
      .filter((m) => m.key === t.key)
      .slice(0, 3)
      .map(({ criterion, n }) => ({ criterion, n })),
    weeks: weeks.rows
      .filter((w) => w.key === t.key)
      .map(({ week, graded, passed }) => ({ week, graded, passed })),
  }));
}
