import type { Queryable } from './pool.js';

/**
 * Reads behind the fleet-wide Prometheus counters: the highest ids so far
 * (watermarks), then only the rows written since — one indexed range query
 * per scrape, never a scan of the whole table.
 */

export interface Watermarks {
  /** max(agent_events.id), 0 when empty. */
  events: number;
  /** max(qc_results.id), 0 when empty. */
  results: number;
}

export async function watermarks(db: Queryable): Promise<Watermarks> {
  const r = await db.query<{ e: number; r: number }>(
    'SELECT (SELECT coalesce(max(id), 0) FROM agent_events) AS e, (SELECT coalesce(max(id), 0) FROM qc_results) AS r',
  );
  return { events: Number(r.rows[0]?.e ?? 0), results: Number(r.rows[0]?.r ?? 0) };
}

export interface LlmCallTotals {
  model: string | null;
  tier: string | null;
  purpose: string | null;
  n: number;
  input: number;
  output: number;
  cache_creation: number;
  cache_read: number;
  usd: number;
}

/** Model calls with after < id <= upTo, summed by model, tier and purpose. */
export async function llmCallTotals(
  db: Queryable,
  after: number,
  upTo: number,
): Promise<LlmCallTotals[]> {
  const r = await db.query<LlmCallTotals>(
    `SELECT model, tier, purpose, count(*) AS n, sum(input_tokens) AS input, sum(output_tokens) AS output,
            sum(cache_creation_input_tokens) AS cache_creation, sum(cache_read_input_tokens) AS cache_read,
            sum(cost_usd)::float8 AS usd
     FROM agent_events WHERE kind = 'llm_call' AND id > $1 AND id <= $2
     GROUP BY model, tier, purpose`,
    [after, upTo],
  );
  return r.rows;
}

export interface GradeRow {
  id: number;
  model: string;
  tier: string;
  outcome: string;
  latency_ms: number;
}

/** Results with after < id <= upTo, oldest first, at most `limit`. */
export async function gradesSince(
  db: Queryable,
  after: number,
  upTo: number,
  limit: number,
): Promise<GradeRow[]> {
  const r = await db.query<GradeRow>(
    `SELECT id, model, tier, outcome, latency_ms FROM qc_results WHERE id > $1 AND id <= $2 ORDER BY id LIMIT $3`,
    [after, upTo, limit],
  );
  return r.rows;
}
