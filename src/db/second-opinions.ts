import type { Queryable } from './pool.js';

/**
 * Second opinions per escalation rule (migration 012): what the strong model
 * said when it was asked, what was skipped, and reviewer resets. The policy
 * itself (Wilson bound, sample rate) is in src/qc/second-opinion.ts.
 */

export interface SecondOpinionRow {
  rule: string;
  ticketId: number;
  resultId: number;
  sampled: boolean;
  outcomeAgreed: boolean | null;
  sampleRate: number;
  strongCostUsd: number;
}

export async function insertSecondOpinions(
  db: Queryable,
  rows: readonly SecondOpinionRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO second_opinions (rule, ticket_id, result_id, sampled, outcome_agreed, sample_rate, strong_cost_usd)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::boolean[], $5::boolean[], $6::numeric[], $7::numeric[])`,
    [
      rows.map((r) => r.rule),
      rows.map((r) => r.ticketId),
      rows.map((r) => r.resultId),
      rows.map((r) => r.sampled),
      rows.map((r) => r.outcomeAgreed),
      rows.map((r) => r.sampleRate),
      rows.map((r) => r.strongCostUsd.toFixed(8)),
    ],
  );
}

export interface RuleAgreement {
  rule: string;
  /** Second opinions counted (the last `window`, after the latest reset). */
  n: number;
  agreed: number;
}

/** Outcome agreement over the last `window` sampled second opinions per rule, since each rule's latest reset. */
export async function ruleAgreement(db: Queryable, window: number): Promise<RuleAgreement[]> {
  const r = await db.query<{ rule: string; n: number; agreed: number }>(
    `SELECT rule, count(*)::int AS n, count(*) FILTER (WHERE outcome_agreed)::int AS agreed
     FROM (
       SELECT s.rule, s.outcome_agreed,
              row_number() OVER (PARTITION BY s.rule ORDER BY s.id DESC) AS k
       FROM second_opinions s
       WHERE s.sampled AND s.occurred_at > COALESCE(
         (SELECT max(reset_at) FROM second_opinion_resets x WHERE x.rule = s.rule), '-infinity')
     ) last
     WHERE k <= $1
     GROUP BY rule ORDER BY rule`,
    [window],
  );
  return r.rows;
}

export async function resetSecondOpinions(
  db: Queryable,
  rules: readonly string[],
  reason: string,
  actor: string,
): Promise<void> {
  if (rules.length === 0) return;
  await db.query(
    `INSERT INTO second_opinion_resets (rule, reason, actor) SELECT unnest($1::text[]), $2, $3`,
    [rules, reason, actor],
  );
}

/** The second-opinion rules raised on a stored result, for a reviewer's override to reset. */
export async function secondOpinionRulesOf(db: Queryable, resultId: number): Promise<string[]> {
  const r = await db.query<{ rule: string }>(
    'SELECT DISTINCT rule FROM second_opinions WHERE result_id = $1 ORDER BY rule',
    [resultId],
  );
  return r.rows.map((x) => x.rule);
}

export interface SecondOpinionSavings {
  rule: string;
  fired: number;
  sampled: number;
  skipped: number;
  agreed: number;
  spentUsd: number;
  /** Skipped second opinions × the rule's average cost of one (over the period, else ever). */
  savedUsd: number;
  lastReset: Date | null;
}

/** Per rule since `since`: second opinions asked and skipped, their cost, and the money saved. */
export async function secondOpinionSavings(
  db: Queryable,
  since: Date,
): Promise<SecondOpinionSavings[]> {
  const r = await db.query<{
    rule: string;
    fired: number;
    sampled: number;
    agreed: number;
    spent: string;
    avg_cost: string | null;
    last_reset: Date | null;
  }>(
    `SELECT s.rule, count(*)::int AS fired,
            count(*) FILTER (WHERE s.sampled)::int AS sampled,
            count(*) FILTER (WHERE s.outcome_agreed)::int AS agreed,
            COALESCE(sum(s.strong_cost_usd), 0) AS spent,
            (SELECT avg(strong_cost_usd) FROM second_opinions a WHERE a.rule = s.rule AND a.sampled AND a.strong_cost_usd > 0) AS avg_cost,
            (SELECT max(reset_at) FROM second_opinion_resets x WHERE x.rule = s.rule) AS last_reset
     FROM second_opinions s WHERE s.occurred_at >= $1
     GROUP BY s.rule ORDER BY s.rule`,
    [since],
  );
  return r.rows.map((x) => ({
    rule: x.rule,
    fired: x.fired,
    sampled: x.sampled,
    skipped: x.fired - x.sampled,
    agreed: x.agreed,
    spentUsd: Number(x.spent),
    savedUsd: (x.fired - x.sampled) * Number(x.avg_cost ?? 0),
    lastReset: x.last_reset,
  }));
}
