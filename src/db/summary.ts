import type { Queryable } from './pool.js';

export interface ModelCost {
  model: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cacheWriteTokens: number;
  cacheReadTokens: number;
  costUsd: number;
}

export interface RunSummary {
  graded: number;
  outcomes: Record<string, number>;
  escalations: number;
  byModel: ModelCost[];
  totalCostUsd: number;
  costPerTicketUsd: number;
  /** cache reads ÷ all prompt tokens (input + cache writes + cache reads). */
  cacheHitRatio: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  tierUps: number;
  shadowAgreement: { comparisons: number; criteriaAgreed: number; criteriaTotal: number };
}

export interface SummaryFilter {
  since?: Date;
  ticketIds?: number[];
  contextVersion?: string;
}

/** WHERE clauses shared by the results (r) and events (e) queries. */
function where(
  f: SummaryFilter,
  time: string,
  version: string,
): { sql: string; params: unknown[] } {
  const parts: string[] = ['true'];
  const params: unknown[] = [];
  if (f.since) parts.push(`${time} >= $${params.push(f.since)}`);
  if (f.ticketIds) parts.push(`ticket_id = ANY($${params.push(f.ticketIds)}::bigint[])`);
  if (f.contextVersion) parts.push(`${version} = $${params.push(f.contextVersion)}`);
  return { sql: parts.join(' AND '), params };
}

/** Results and QC spend for a filter: the numbers the demo and dashboards show. */
export async function summarize(db: Queryable, filter: SummaryFilter = {}): Promise<RunSummary> {
  const rw = where(filter, 'graded_at', 'context_version');
  const ew = where(filter, 'occurred_at', 'context_version');
  const results = await db.query<{ outcome: string; n: number }>(
    `SELECT outcome, count(*)::int AS n FROM qc_results WHERE ${rw.sql} GROUP BY outcome`,
    rw.params,
  );
  const outcomes: Record<string, number> = { pass: 0, fail: 0, escalate: 0 };
  for (const r of results.rows) outcomes[r.outcome] = r.n;
  const graded = results.rows.reduce((s, r) => s + r.n, 0);

  const esc = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM escalations WHERE result_id IN (SELECT id FROM qc_results WHERE ${rw.sql})`,
    rw.params,
  );
  const models = await db.query<{
    model: string;
    calls: number;
    input: string;
    output: string;
    cw: string;
    cr: string;
    cost: string;
  }>(
    `SELECT model, count(*)::int AS calls, sum(input_tokens) AS input, sum(output_tokens) AS output,
            sum(cache_creation_input_tokens) AS cw, sum(cache_read_input_tokens) AS cr, sum(cost_usd) AS cost
     FROM agent_events WHERE kind = 'llm_call' AND agent = 'qc-worker' AND purpose NOT IN ('eval', 'backtest') AND ${ew.sql}
     GROUP BY model ORDER BY model`,
    ew.params,
  );
  const byModel = models.rows.map((r) => ({
    model: r.model,
    calls: r.calls,
    inputTokens: Number(r.input),
    outputTokens: Number(r.output),
    cacheWriteTokens: Number(r.cw),
    cacheReadTokens: Number(r.cr),
    costUsd: Number(r.cost),
  }));
  const totalCostUsd = byModel.reduce((s, m) => s + m.costUsd, 0);
  const prompt = byModel.reduce(
    (s, m) => s + m.inputTokens + m.cacheWriteTokens + m.cacheReadTokens,
    0,
  );
  const reads = byModel.reduce((s, m) => s + m.cacheReadTokens, 0);

  const lat = await db.query<{ p50: number | null; p95: number | null; tierups: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
            count(*) FILTER (WHERE tier = 'strong')::int AS tierups
     FROM qc_results WHERE ${rw.sql}`,
    rw.params,
  );
  const shadow = await db.query<{ n: number; agreed: number | null; total: number | null }>(
    `SELECT count(*)::int AS n, sum((shadow->>'agreed')::int)::int AS agreed, sum((shadow->>'total')::int)::int AS total
     FROM qc_results WHERE shadow IS NOT NULL AND ${rw.sql}`,
    rw.params,
  );
  return {
    graded,
    outcomes,
    escalations: esc.rows[0]?.n ?? 0,
    byModel,
    totalCostUsd,
    costPerTicketUsd: graded ? totalCostUsd / graded : 0,
    cacheHitRatio: prompt ? reads / prompt : 0,
    latencyP50Ms: Math.round(lat.rows[0]?.p50 ?? 0),
    latencyP95Ms: Math.round(lat.rows[0]?.p95 ?? 0),
    tierUps: lat.rows[0]?.tierups ?? 0,
    shadowAgreement: {
      comparisons: shadow.rows[0]?.n ?? 0,
      criteriaAgreed: shadow.rows[0]?.agreed ?? 0,
      criteriaTotal: shadow.rows[0]?.total ?? 0,
    },
  };
}

const usd = (n: number) => `$${n.toFixed(n < 0.01 ? 5 : 4)}`;

export function formatSummary(s: RunSummary): string {
  const lines = [
    `Tickets graded:      ${s.graded}`,
    `  pass / fail / escalate: ${s.outcomes.pass ?? 0} / ${s.outcomes.fail ?? 0} / ${s.outcomes.escalate ?? 0}`,
    `Escalations opened:  ${s.escalations}`,
    `Tier-ups to strong model: ${s.tierUps}`,
    'Model calls and cost:',
    ...s.byModel.map(
      (m) =>
        `  ${m.model.padEnd(30)} ${String(m.calls).padStart(5)} calls  in ${m.inputTokens}  out ${m.outputTokens}  cache-write ${m.cacheWriteTokens}  cache-read ${m.cacheReadTokens}  ${usd(m.costUsd)}`,
    ),
    `Cache hit ratio:     ${(100 * s.cacheHitRatio).toFixed(1)}% of prompt tokens read from cache`,
    `Total cost:          ${usd(s.totalCostUsd)}   per ticket: ${usd(s.costPerTicketUsd)}`,
    `Grading latency:     p50 ${s.latencyP50Ms} ms   p95 ${s.latencyP95Ms} ms`,
  ];
  if (s.shadowAgreement.comparisons > 0) {
    const { criteriaAgreed, criteriaTotal, comparisons } = s.shadowAgreement;
    lines.push(
      `Haiku/Sonnet agreement: ${((100 * criteriaAgreed) / criteriaTotal).toFixed(1)}% of criteria over ${comparisons} compared tickets`,
    );
  }
  return lines.join('\n');
}
