import type { Command } from 'commander';
import type { Config } from '../config.js';
import {
  actorOf,
  jsonOption,
  printJson,
  reviewerOption,
  withPool,
  withQcQueue as withQueue,
} from './support.js';

/** `queue status|pause|resume`: the qc queue, its job counts and budget use. */
export function registerQueueCommands(program: Command, getConfig: () => Config): void {
  const queue = program.command('queue').description('pause or resume grading (the qc queue)');
  queue
    .command('status', { isDefault: true })
    .description('paused or running, workers connected, job counts, oldest waiting job, budget use')
    .addOption(jsonOption())
    .action(async (o: { json?: boolean }) => {
      const config = getConfig();
      const { budgetSpend } = await import('../budget/spend.js');
      const { age, usd } = await import('../format/display.js');
      const { fleetHeadline, fleetState } = await import('../queue/fleet.js');
      const now = new Date();
      const fleet = await withQueue(config, (q) => fleetState(q, now));
      const b = await withPool(config, (pool) => budgetSpend(pool, config, now));
      if (o.json) {
        printJson({ ...fleet, budget: { day: b.day, month: b.month } });
        return;
      }
      console.log(`qc queue: ${fleetHeadline(fleet).text}`);
      console.log(
        `workers ${fleet.workers}  waiting ${fleet.waiting}  active ${fleet.active}  delayed ${fleet.delayed}  failed ${fleet.failed}  oldest waiting ${fleet.oldestWaitingMs === undefined ? '—' : age(new Date(now.getTime() - fleet.oldestWaitingMs), now)}`,
      );
      for (const p of [b.day, b.month]) {
        console.log(
          `${p.kind === 'day' ? 'today' : 'this month'}: ${usd(p.spendUsd)}${p.limitUsd ? ` of ${usd(p.limitUsd)} (${Math.round(100 * (p.share ?? 0))}%)` : ' (no budget set)'}`,
        );
      }
    });
  for (const action of ['pause', 'resume'] as const) {
    queue
      .command(action)
      .description(
        action === 'pause'
          ? 'stop workers taking new jobs'
          : 'let workers take jobs again (lifts a budget stop for this period)',
      )
      .option('--note <text>', 'why')
      .addOption(reviewerOption())
      .action(async (o: { note?: string; reviewer?: string }) => {
        const config = getConfig();
        const actor = actorOf(config, o.reviewer);
        const { pauseQueue, resumeQueue } = await import('../budget/control.js');
        await withPool(
          config,
          (pool) =>
            withQueue(config, async (q) => {
              if (action === 'pause') await pauseQueue(pool, q, actor, o.note);
              else {
                const lifted = await resumeQueue(pool, q, actor, o.note);
                if (lifted.length) console.log(`budget stop lifted for: ${lifted.join(', ')}`);
              }
              console.log(`qc queue ${action === 'pause' ? 'paused' : 'resumed'} by ${actor.name}`);
            }),
          actor,
        );
      });
  }
}
