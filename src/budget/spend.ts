import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';

/**
 * Spend per budget period, from the observability table. Periods are
 * calendar days and months in QC_TZ, computed by PostgreSQL so daylight
 * saving and month lengths are its problem, not ours.
 */

export type PeriodKind = 'day' | 'month';

export interface Period {
  kind: PeriodKind;
  /** The period's first day in QC_TZ, YYYY-MM-DD: the key of budget_periods. */
  startsOn: string;
  start: Date;
  end: Date;
}

export interface PeriodSpend extends Period {
  limitUsd: number | undefined;
  spendUsd: number;
  /** spend ÷ limit, or null without a limit. */
  share: number | null;
}

export async function currentPeriods(
  db: Queryable,
  now: Date,
  tz: string,
): Promise<Record<PeriodKind, Period>> {
  const r = await db.query<{ kind: PeriodKind; starts_on: string; start: Date; end: Date }>(
    `SELECT k AS kind, to_char(local_start, 'YYYY-MM-DD') AS starts_on,
            local_start AT TIME ZONE $2 AS start,
            (local_start + CASE k WHEN 'day' THEN interval '1 day' ELSE interval '1 month' END) AT TIME ZONE $2 AS "end"
     FROM (SELECT k, date_trunc(k, $1::timestamptz AT TIME ZONE $2) AS local_start
           FROM unnest(ARRAY['day', 'month']) AS k) p`,
    [now, tz],
  );
  const out: Partial<Record<PeriodKind, Period>> = {};
  for (const row of r.rows)
    out[row.kind] = { kind: row.kind, startsOn: row.starts_on, start: row.start, end: row.end };
  if (!out.day || !out.month) throw new Error('could not compute the budget periods');
  return { day: out.day, month: out.month };
}

/** Every model call's cost in [start, end): QC, backtests, evaluations and the chief alike. */
export async function spendBetween(db: Queryable, start: Date, end: Date): Promise<number> {
  const r = await db.query<{ cost: string | null }>(
    `SELECT sum(cost_usd) AS cost FROM agent_events
     WHERE kind = 'llm_call' AND occurred_at >= $1 AND occurred_at < $2`,
    [start, end],
  );
  return Number(r.rows[0]?.cost ?? 0);
}

export function limitOf(config: Config, kind: PeriodKind): number | undefined {
  const v = kind === 'day' ? config.QC_BUDGET_DAILY_USD : config.QC_BUDGET_MONTHLY_USD;
  // 0 would pause the fleet forever; read it as "no budget" rather than a trap.
  return v !== undefined && v > 0 ? v : undefined;
}

export async function budgetSpend(
  db: Queryable,
  config: Config,
  now: Date,
): Promise<Record<PeriodKind, PeriodSpend>> {
  const periods = await currentPeriods(db, now, config.QC_TZ);
  const one = async (p: Period): Promise<PeriodSpend> => {
    const limitUsd = limitOf(config, p.kind);
    const spendUsd = await spendBetween(db, p.start, p.end);
    return { ...p, limitUsd, spendUsd, share: limitUsd ? spendUsd / limitUsd : null };
  };
  return { day: await one(periods.day), month: await one(periods.month) };
}
