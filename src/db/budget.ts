import type { Pool, Queryable } from './pool.js';

/**
 * True while a budget pause is open. Work that spends without going through
 * the qc queue (Message Batches submits, the chief of staff) checks this, so
 * the hard stop holds for every path.
 */
export async function budgetPaused(pool: Pool): Promise<boolean> {
  const r = await pool.query(
    'SELECT 1 FROM budget_periods WHERE paused_at IS NOT NULL AND resumed_at IS NULL LIMIT 1',
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * budget_periods and the spend they limit. Periods are calendar days and
 * months in QC_TZ, computed by PostgreSQL so daylight saving and month
 * lengths are its problem, not ours.
 */

export type PeriodKind = 'day' | 'month';

export interface Period {
  kind: PeriodKind;
  /** The period's first day in QC_TZ, YYYY-MM-DD: the key of budget_periods. */
  startsOn: string;
  start: Date;
  end: Date;
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

/** Claims a threshold of a period (the 80% warning, the 100% pause) once across every process. */
export async function claimPeriod(
  db: Queryable,
  p: { kind: PeriodKind; startsOn: string; limitUsd: number | undefined },
  column: 'warned_at' | 'paused_at',
): Promise<boolean> {
  await db.query(
    `INSERT INTO budget_periods (period, starts_on, limit_usd) VALUES ($1, $2, $3)
     ON CONFLICT (period, starts_on) DO UPDATE SET limit_usd = EXCLUDED.limit_usd`,
    [p.kind, p.startsOn, p.limitUsd],
  );
  const r = await db.query(
    `UPDATE budget_periods SET ${column} = now() WHERE period = $1 AND starts_on = $2 AND ${column} IS NULL`,
    [p.kind, p.startsOn],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function periodState(
  db: Queryable,
  p: { kind: PeriodKind; startsOn: string },
): Promise<{ paused: boolean; resumed: boolean }> {
  const r = await db.query<{ paused: boolean; resumed: boolean }>(
    `SELECT paused_at IS NOT NULL AS paused, resumed_at IS NOT NULL AS resumed
     FROM budget_periods WHERE period = $1 AND starts_on = $2`,
    [p.kind, p.startsOn],
  );
  return r.rows[0] ?? { paused: false, resumed: false };
}

/** Lifts the stop of periods that paused the queue and are no longer current; returns their kinds. */
export async function resumeRolledOver(
  db: Queryable,
  current: { day: string; month: string },
): Promise<string[]> {
  const r = await db.query<{ period: string }>(
    `UPDATE budget_periods SET resumed_at = now(), resumed_by = 'rollover'
     WHERE paused_at IS NOT NULL AND resumed_at IS NULL
       AND NOT ((period = 'day' AND starts_on = $1::date) OR (period = 'month' AND starts_on = $2::date))
     RETURNING period`,
    [current.day, current.month],
  );
  return r.rows.map((x) => x.period);
}

/** An admin's resume closes every open pause; returns "period starts_on" of each. */
export async function resumeOpenPauses(db: Queryable, by: string): Promise<string[]> {
  const r = await db.query<{ period: string; starts_on: string }>(
    `UPDATE budget_periods SET resumed_at = now(), resumed_by = $1
     WHERE paused_at IS NOT NULL AND resumed_at IS NULL
     RETURNING period, to_char(starts_on, 'YYYY-MM-DD') AS starts_on`,
    [by],
  );
  return r.rows.map((x) => `${x.period} ${x.starts_on}`);
}
