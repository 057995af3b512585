import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { claimPeriod, periodState, resumeRolledOver } from '../db/budget.js';
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

const WARN_SHARE = 0.8;

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
    if (p.share >= WARN_SHARE && p.share < 1 && (await claimPeriod(pool, p, 'warned_at'))) {
      actions.push('warned');
      await tell(
        'warn',
        'warning',
        p,
        `ticket-qc has spent ${used} of its ${label(p)}; at 100% the qc queue pauses.`,
      );
    }
    if (p.share < 1) continue;
    const s = await periodState(pool, p);
    if (s.resumed) continue; // an admin chose to run on for this period
    mustStop = true;
    if (await claimPeriod(pool, p, 'paused_at')) {
      await queue.pause();
      actions.push('paused');
      await claimPeriod(pool, p, 'warned_at'); // no separate 80% notice after the stop itself
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
    const rolled = await resumeRolledOver(pool, {
      day: spend.day.startsOn,
      month: spend.month.startsOn,
    });
    if (rolled.length > 0) {
      await queue.resume();
      actions.push('resumed');
      logger.info({ periods: rolled }, 'budget period rolled over; qc queue resumed');
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
