import type { Config } from '../config.js';
import { currentPeriods, type Period, type PeriodKind, spendBetween } from '../db/budget.js';
import type { Queryable } from '../db/pool.js';

export type { Period, PeriodKind };

/**
 * Spend per budget period, from the observability table. Periods are
 * calendar days and months in QC_TZ, computed by PostgreSQL so daylight
 * saving and month lengths are its problem, not ours.
 */

export interface PeriodSpend extends Period {
  limitUsd: number | undefined;
  spendUsd: number;
  /** spend ÷ limit, or null without a limit. */
  share: number | null;
}

function limitOf(config: Config, kind: PeriodKind): number | undefined {
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
