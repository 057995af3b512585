import type { Queryable } from './pool.js';

/**
 * Spend and quality numbers over a time range, for the Costs page and the
 * `costs` command. Money is summed by PostgreSQL (NUMERIC, exact) and only
 * turned into a JS number for display.
 */

export interface Range {
  since: Date;
  until: Date;
}

export type CostKey = 'agent' | 'model' | 'day' | 'ticket' | 'purpose';

export interface CostRow {
  key: string;
  executions: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  costUsd: number;
}

const KEY_SQL: Record<CostKey, string> = {
  agent: 'agent',
  model: "coalesce(model, '(none)')",
  // Days in UTC: the CLI and the chart agree whatever the server's zone.
  day: "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
  // The help-desk id: a lead knows "zendesk#4711", not our version ids; versions of one ticket add up.
  ticket:
    "coalesce((SELECT t.source || '#' || t.external_id FROM tickets t WHERE t.id = agent_events.ticket_id), '(no ticket)')",
  purpose: "coalesce(purpose, '(none)')",
};

/** One row per key: model calls ("executions"), tokens and cost of kind llm_call events. */
export async function costBy(db: Queryable, by: CostKey, r: Range): Promise<CostRow[]> {
  const res = await db.query<{
    key: string;
    n: number;
    i: string;
    o: string;
    cw: string;
    cr: string;
    cost: string;
  }>(
    `SELECT ${KEY_SQL[by]} AS key, count(*)::int AS n, sum(input_tokens) AS i, sum(output_tokens) AS o,
            sum(cache_creation_input_tokens) AS cw, sum(cache_read_input_tokens) AS cr, sum(cost_usd) AS cost
     FROM agent_events WHERE kind = 'llm_call' AND occurred_at >= $1 AND occurred_at < $2
     GROUP BY 1 ORDER BY sum(cost_usd) DESC, 1`,
    [r.since, r.until],
  );
  return res.rows.map((x) => ({
    key: x.key,
    executions: x.n,
    inputTokens: Number(x.i),
    outputTokens: Number(x.o),
    cacheWriteTokens: Number(x.cw),
    cacheReadTokens: Number(x.cr),
    costUsd: Number(x.cost),
  }));
}

export interface DailySeries {
  days: string[];
  series: { name: string; values: number[] }[];
}

/** Cost per UTC day split by agent or model, every day of the range present (zeros included). */
export async function dailyCost(
  db: Queryable,
  by: 'agent' | 'model',
  r: Range,
): Promise<DailySeries> {
  const res = await db.query<{ day: string; key: string; cost: string }>(
    `SELECT ${KEY_SQL.day} AS day, ${KEY_SQL[by]} AS key, sum(cost_usd) AS cost
     FROM agent_events WHERE kind = 'llm_call' AND occurred_at >= $1 AND occurred_at < $2
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [r.since, r.until],
  );
  const days: string[] = [];
  for (
    let t = Date.UTC(r.since.getUTCFullYear(), r.since.getUTCMonth(), r.since.getUTCDate());
    t < r.until.getTime();
    t += 86_400_000
  ) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  const names = [...new Set(res.rows.map((x) => x.key))];
  const series = names.map((name) => ({
    name,
    values: days.map((d) => Number(res.rows.find((x) => x.day === d && x.key === name)?.cost ?? 0)),
  }));
  return { days, series };
}

export interface Quality {
  graded: number;
  escalatedResults: number;
  overriddenResults: number;
  overrides: number;
  tierUps: number;
}

export async function quality(db: Queryable, r: Range): Promise<Quality> {
  const res = await db.query<Quality>(
    `SELECT count(*)::int AS graded,
            count(*) FILTER (WHERE tier = 'strong')::int AS "tierUps",
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM escalations e WHERE e.result_id = q.id))::int AS "escalatedResults",
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM overrides o WHERE o.result_id = q.id))::int AS "overriddenResults",
            (SELECT count(*)::int FROM overrides o WHERE o.created_at >= $1 AND o.created_at < $2) AS overrides
     FROM qc_results q WHERE graded_at >= $1 AND graded_at < $2`,
    [r.since, r.until],
  );
  return (
    res.rows[0] ?? {
      graded: 0,
      escalatedResults: 0,
      overriddenResults: 0,
      overrides: 0,
      tierUps: 0,
    }
  );
}

export interface ShadowRow {
  kind: 'shadow' | 'tier_up';
  agreement: Record<string, boolean>;
  outcomeAgreed: boolean;
  /** Both models' per-criterion results, known for shadow samples only (the cheap verdict stands). */
  cheap: { criterion: string; result: string }[];
  strong: { criterion: string; result: string }[];
}

/** Strong-model comparisons in the range, newest first (bounded: a page, not a report). */
export async function shadowRows(db: Queryable, r: Range, limit = 5_000): Promise<ShadowRow[]> {
  const res = await db.query<ShadowRow>(
    `SELECT shadow->>'kind' AS kind, coalesce(shadow->'agreement', '{}'::jsonb) AS agreement,
            coalesce((shadow->>'outcomeAgreed')::boolean, false) AS "outcomeAgreed",
            coalesce(verdict->'criteria', '[]'::jsonb) AS cheap, coalesce(shadow->'other', '[]'::jsonb) AS strong
     FROM qc_results WHERE shadow IS NOT NULL AND graded_at >= $1 AND graded_at < $2
     ORDER BY graded_at DESC LIMIT $3`,
    [r.since, r.until, limit],
  );
  return res.rows;
}

/** The (agent, purpose, model) that cost most in the range: what to change to spend less. */
export async function costDriver(
  db: Queryable,
  r: Range,
): Promise<
  | { agent: string; purpose: string | null; model: string | null; n: number; cost: string }
  | undefined
> {
  const driver = await db.query<{
    agent: string;
    purpose: string | null;
    model: string | null;
    n: number;
    cost: string;
  }>(
    `SELECT agent, purpose, model, count(*)::int AS n, sum(cost_usd) AS cost FROM agent_events
     WHERE kind = 'llm_call' AND occurred_at >= $1 AND occurred_at < $2
     GROUP BY 1, 2, 3 ORDER BY sum(cost_usd) DESC LIMIT 1`,
    [r.since, r.until],
  );
  return driver.rows[0];
}

export interface TicketCost {
  source: string;
  externalId: string;
  calls: number;
  costUsd: number;
}

/** The help-desk tickets whose model calls cost most in the range (all versions, regrades and agents). */
export async function costliestTickets(db: Queryable, r: Range, limit = 10): Promise<TicketCost[]> {
  const res = await db.query<{ source: string; external_id: string; n: number; cost: string }>(
    `SELECT t.source, t.external_id, count(*)::int AS n, sum(e.cost_usd) AS cost
     FROM agent_events e JOIN tickets t ON t.id = e.ticket_id
     WHERE e.kind = 'llm_call' AND e.occurred_at >= $1 AND e.occurred_at < $2
     GROUP BY t.source, t.external_id ORDER BY sum(e.cost_usd) DESC, t.source, t.external_id LIMIT $3`,
    [r.since, r.until, limit],
  );
  return res.rows.map((x) => ({
    source: x.source,
    externalId: x.external_id,
    calls: x.n,
    costUsd: Number(x.cost),
  }));
}
