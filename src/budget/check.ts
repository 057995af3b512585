import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { insertEvents } from '../db/events.js';
import type { Pool } from '../db/pool.js';
import { type BudgetNotify, defaultBudgetNotify } from './notify.js';
import { budgetSpend, type PeriodSpend } from './spend.js';

/**
 * The budget check the API process runs on an interval and workers run after
 * graded jobs. At 80% of a period's budget: one warning (log + webhook). At
 * 100%: the qc queue is paused — a hard stop — until an admin resumes it
 * (which lets the period run on) or the period rolls over. Safe to call from
 * many processes at once: each threshold is claimed by a conditional UPDATE,
 * so it fires once.
 */

export const WARN_SHARE = 0.8;

export interface BudgetDeps {
  pool: Pool;
  queue: Queue;
  config: Config;
  logger: Logger;
  notify?: BudgetNotify | undefined;
  now?: () => Date;
}

export interface BudgetCheck {
  day: PeriodSpend;
  month: PeriodSpend;
  actions: ('warned' | 'paused' | 'repaused' | 'resumed')[];
  paused: boolean;
}

const money = (n: number) => `$${n.toFixed(2)}`;
const label = (p: PeriodSpend) =>
  p.kind === 'day' ? `daily budget (${p.startsOn})` : `monthly budget (${p.startsOn.slice(0, 7)})`;

async function claim(
  pool: Pool,
  p: PeriodSpend,
  column: 'warned_at' | 'paused_at',
): Promise<boolean> {
  await pool.query(
    `INSERT INTO budget_periods (period, starts_on, limit_usd) VALUES ($1, $2, $3)
     ON CONFLICT (period, starts_on) DO UPDATE SET limit_usd = EXCLUDED.limit_usd`,
    [p.kind, p.startsOn, p.limitUsd],
  );
  const r = await pool.query(
    `UPDATE budget_periods SET ${column} = now() WHERE period = $1 AND starts_on = $2 AND ${column} IS NULL`,
    [p.kind, p.startsOn],
  );
  return (r.rowCount ?? 0) > 0;
}

async function state(pool: Pool, p: PeriodSpend) {
  const r = await pool.query<{ paused: boolean; resumed: boolean }>(
    `SELECT paused_at IS NOT NULL AS paused, resumed_at IS NOT NULL AS resumed
     FROM budget_periods WHERE period = $1 AND starts_on = $2`,
    [p.kind, p.startsOn],
  );
  return r.rows[0] ?? { paused: false, resumed: false };
}

export async function checkBudget(deps: BudgetDeps): Promise<BudgetCheck> {
  const { pool, queue, logger } = deps;
  const now = deps.now?.() ?? new Date();
  const spend = await budgetSpend(pool, deps.config, now);
  const actions: BudgetCheck['actions'] = [];
  const tell = async (level: 'warn' | 'error', category: string, p: PeriodSpend, text: string) => {
    logger[level](
      { period: p.kind, startsOn: p.startsOn, spendUsd: p.spendUsd, limitUsd: p.limitUsd },
      text,
    );
    await insertEvents(pool, [
      {
        agent: 'budget',
        kind: 'budget',
        category,
        details: {
          period: p.kind,
          startsOn: p.startsOn,
          spendUsd: p.spendUsd,
          limitUsd: p.limitUsd,
        },
      },
    ]);
    await deps.notify?.(`:money_with_wings: ${text}`);
  };

  let mustStop = false;
  for (const p of [spend.day, spend.month]) {
    if (!p.limitUsd || p.share === null) continue;
    const used = `${money(p.spendUsd)} of ${money(p.limitUsd)} (${Math.round(100 * p.share)}%)`;
    if (p.share >= WARN_SHARE && p.share < 1 && (await claim(pool, p, 'warned_at'))) {
      actions.push('warned');
      await tell(
        'warn',
        'warning',
        p,
        `ticket-qc has spent ${used} of its ${label(p)}; at 100% the qc queue pauses.`,
      );
    }
    if (p.share < 1) continue;
    const s = await state(pool, p);
    if (s.resumed) continue; // an admin chose to run on for this period
    mustStop = true;
    if (await claim(pool, p, 'paused_at')) {
      await queue.pause();
      actions.push('paused');
      await claim(pool, p, 'warned_at'); // no separate 80% notice after the stop itself
      await tell(
        'error',
        'paused',
        p,
        `ticket-qc reached its ${label(p)}: ${used}. The qc queue is paused until an admin resumes it or the period ends.`,
      );
    } else if (!(await queue.isPaused())) {
      // Resumed outside ticket-qc (redis-cli, another tool): the stop is hard, so pause again.
      await queue.pause();
      actions.push('repaused');
      logger.error(
        { period: p.kind },
        'qc queue was resumed outside ticket-qc while over budget; paused again',
      );
    }
  }

  if (!mustStop) {
    // Periods that paused the queue and have since rolled over: lift their stop.
    const r = await pool.query<{ period: string }>(
      `UPDATE budget_periods SET resumed_at = now(), resumed_by = 'rollover'
       WHERE paused_at IS NOT NULL AND resumed_at IS NULL
         AND NOT ((period = 'day' AND starts_on = $1::date) OR (period = 'month' AND starts_on = $2::date))
       RETURNING period`,
      [spend.day.startsOn, spend.month.startsOn],
    );
    if (r.rowCount) {
      await queue.resume();
      actions.push('resumed');
      logger.info(
        { periods: r.rows.map((x) => x.period) },
        'budget period rolled over; qc queue resumed',
      );
      await insertEvents(pool, [
        { agent: 'budget', kind: 'budget', category: 'resumed', details: { by: 'rollover' } },
      ]);
      await deps.notify?.(
        ':white_check_mark: A new budget period began; the ticket-qc qc queue is running again.',
      );
    }
  }
  return { ...spend, actions, paused: await queue.isPaused() };
}

/** A process's budget deps from its runtime and its producer-side qc queue. */
export function budgetDepsOf(
  rt: { pool: Pool; config: Config; logger: Logger },
  queue: Queue,
): BudgetDeps {
  return {
    pool: rt.pool,
    queue,
    config: rt.config,
    logger: rt.logger,
    notify: defaultBudgetNotify(rt.config, rt.logger),
  };
}
