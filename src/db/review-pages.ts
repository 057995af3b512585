import type { Range } from './costs.js';
import type { Queryable } from './pool.js';

/** Small reads only the review pages make (the rest come from the per-table modules). */

export interface ActiveContextFile {
  file: string;
  version: number;
  /** How many versions the file has, active one included. */
  versions: number;
  author: string;
  created_at: Date;
}

/** Every context file's active version, with how many versions it has had. */
export async function activeContextFiles(db: Queryable): Promise<ActiveContextFile[]> {
  const r = await db.query<ActiveContextFile>(
    `SELECT file, version, author, created_at, (SELECT count(*)::int FROM context_versions c2 WHERE c2.file = c.file) AS versions
     FROM context_versions c WHERE active ORDER BY file`,
  );
  return r.rows;
}

/** A version of a context file and the one before it (when there is one), oldest first. */
export async function versionWithPrevious(
  db: Queryable,
  file: string,
  version: number,
): Promise<{ version: number; content: string }[]> {
  const r = await db.query<{ version: number; content: string }>(
    'SELECT version, content FROM context_versions WHERE file = $1 AND version IN ($2, $2 - 1) ORDER BY version',
    [file, version],
  );
  return r.rows;
}

/** What grading tickets cost in the range: the qc worker's own calls, evals and backtests left out. */
export async function qcGradingCost(db: Queryable, range: Range): Promise<number> {
  const r = await db.query<{ cost: string | null }>(
    `SELECT sum(cost_usd) AS cost FROM agent_events WHERE kind = 'llm_call' AND agent = 'qc-worker'
     AND purpose NOT IN ('eval', 'backtest') AND occurred_at >= $1 AND occurred_at < $2`,
    [range.since, range.until],
  );
  return Number(r.rows[0]?.cost ?? 0);
}

/** Subjects of the given tickets, by id. */
export async function ticketSubjects(db: Queryable, ids: number[]): Promise<Map<number, string>> {
  const r = await db.query<{ id: number; subject: string }>(
    'SELECT id, subject FROM tickets WHERE id = ANY($1::bigint[])',
    [ids],
  );
  return new Map(r.rows.map((s) => [s.id, s.subject]));
}

/** The id of a ticket's most recent QC result, if it has one. */
export async function latestResultId(db: Queryable, ticketId: number): Promise<number | undefined> {
  const r = await db.query<{ id: number }>(
    'SELECT id FROM qc_results WHERE ticket_id = $1 ORDER BY graded_at DESC, id DESC LIMIT 1',
    [ticketId],
  );
  return r.rows[0]?.id;
}

/** Budget periods whose pause has not been lifted, as "day 2026-05-01" pairs. */
export async function openBudgetPauses(
  db: Queryable,
): Promise<{ period: string; starts_on: string }[]> {
  const r = await db.query<{ period: string; starts_on: string }>(
    `SELECT period, to_char(starts_on, 'YYYY-MM-DD') AS starts_on FROM budget_periods
     WHERE paused_at IS NOT NULL AND resumed_at IS NULL`,
  );
  return r.rows;
}
