import type { Verdict } from '../context/verdict.js';
import type { Ticket } from '../ticket/schema.js';
import type { Queryable } from './pool.js';

/** qc_results rows: one verdict per (ticket version, QC context version). */

export interface NewResult {
  ticketId: number;
  contextVersion: string;
  outcome: string;
  score: number;
  /** Rounded to three decimals by the caller's `toFixed`. */
  confidence: string;
  verdict: unknown;
  model: string;
  tier: string;
  tierReason: string | null;
  shadow: unknown;
  costUsd: string;
  latencyMs: number;
  via: string;
  jobId: string | null;
}

/**
 * Inserts a result exactly once per (ticket version, context version), by the
 * UNIQUE constraint. Undefined when one was already stored (a duplicate).
 */
export async function insertResult(db: Queryable, r: NewResult): Promise<number | undefined> {
  const inserted = await db.query<{ id: number }>(
    `INSERT INTO qc_results (ticket_id, context_version, outcome, score, confidence, verdict, model,
       tier, tier_reason, shadow, cost_usd, latency_ms, via, job_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (ticket_id, context_version) DO NOTHING RETURNING id`,
    [
      r.ticketId,
      r.contextVersion,
      r.outcome,
      r.score,
      r.confidence,
      JSON.stringify(r.verdict),
      r.model,
      r.tier,
      r.tierReason,
      r.shadow === null ? null : JSON.stringify(r.shadow),
      r.costUsd,
      r.latencyMs,
      r.via,
      r.jobId,
    ],
  );
  return inserted.rows[0]?.id;
}

/** The id of the result for this ticket version and context version, if graded. */
export async function resultIdFor(
  db: Queryable,
  ticketId: number,
  contextVersion: string,
): Promise<number | undefined> {
  const r = await db.query<{ id: number }>(
    'SELECT id FROM qc_results WHERE ticket_id = $1 AND context_version = $2',
    [ticketId, contextVersion],
  );
  return r.rows[0]?.id;
}

/** The latest result of a ticket version, locked for the caller's transaction (overrides). */
export async function latestResultForUpdate(
  db: Queryable,
  ticketId: number,
): Promise<{ id: number; verdict: Verdict } | undefined> {
  const r = await db.query<{ id: number; verdict: Verdict }>(
    `SELECT id, verdict FROM qc_results WHERE ticket_id = $1
     ORDER BY graded_at DESC, id DESC LIMIT 1 FOR UPDATE`,
    [ticketId],
  );
  return r.rows[0];
}

/** The ticket and verdict of one result. */
export async function resultVerdict(
  db: Queryable,
  resultId: number,
): Promise<{ ticket_id: number; verdict: Verdict } | undefined> {
  const r = await db.query<{ ticket_id: number; verdict: Verdict }>(
    'SELECT ticket_id, verdict FROM qc_results WHERE id = $1',
    [resultId],
  );
  return r.rows[0];
}

/** Each ticket version with its latest verdict (null when ungraded), for evidence. */
export async function ticketsWithLatestVerdict<V>(
  db: Queryable,
  ids: readonly number[],
): Promise<{ id: number; external_id: string; ticket: Ticket; verdict: V | null }[]> {
  const r = await db.query<{ id: number; external_id: string; ticket: Ticket; verdict: V | null }>(
    `SELECT t.id, t.external_id, t.ticket, r.verdict
     FROM tickets t
     LEFT JOIN LATERAL (SELECT verdict FROM qc_results WHERE ticket_id = t.id
                        ORDER BY graded_at DESC, id DESC LIMIT 1) r ON true
     WHERE t.id = ANY($1::bigint[])`,
    [ids],
  );
  return r.rows;
}

/** The most recently passed ticket versions (by their latest pass), excluding some. */
export async function recentlyPassed(
  db: Queryable,
  exclude: readonly number[],
  limit: number,
): Promise<number[]> {
  const r = await db.query<{ ticket_id: number }>(
    `SELECT ticket_id FROM (
       SELECT DISTINCT ON (ticket_id) ticket_id, graded_at FROM qc_results
       WHERE outcome = 'pass' AND NOT (ticket_id = ANY($1::bigint[]))
       ORDER BY ticket_id, graded_at DESC) x
     ORDER BY graded_at DESC, ticket_id DESC LIMIT $2`,
    [exclude, limit],
  );
  return r.rows.map((x) => x.ticket_id);
}

/** Of these ticket versions, the ones without a result for the context version. */
export async function ungradedOf(
  db: Queryable,
  ids: readonly number[],
  contextVersion: string,
): Promise<{ id: number; content_hash: string }[]> {
  const r = await db.query<{ id: number; content_hash: string }>(
    `SELECT t.id, t.content_hash FROM tickets t WHERE t.id = ANY($1::bigint[])
       AND NOT EXISTS (SELECT 1 FROM qc_results r WHERE r.ticket_id = t.id AND r.context_version = $2)`,
    [ids, contextVersion],
  );
  return r.rows;
}

/** How many of these ticket versions have a result for the context version. */
export async function gradedCount(
  db: Queryable,
  ids: readonly number[],
  contextVersion: string,
): Promise<number> {
  const r = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM qc_results WHERE ticket_id = ANY($1::bigint[]) AND context_version = $2',
    [ids, contextVersion],
  );
  return r.rows[0]?.n ?? 0;
}

/** The average output tokens of a model's grading calls, and the share tiered up, over 30 days. */
export async function gradingHistory(
  db: Queryable,
  baseModel: string,
): Promise<{ out: number | null; strong: number | null }> {
  const history = "now() - interval '30 days'";
  const r = await db.query<{ out: number | null; strong: number | null }>(
    `SELECT (SELECT avg(output_tokens)::float FROM agent_events WHERE kind = 'llm_call'
               AND model = $1 AND purpose IN ('grade', 'batch') AND occurred_at > ${history}) AS out,
            (SELECT avg((tier = 'strong')::int)::float FROM qc_results WHERE graded_at > ${history}) AS strong`,
    [baseModel],
  );
  return r.rows[0] ?? { out: null, strong: null };
}
