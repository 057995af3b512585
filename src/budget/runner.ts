import { toError } from '../logger.js';
import { type BudgetCheck, type BudgetDeps, checkBudget } from './check.js';

/**
 * Runs checkBudget on an interval (the API process) and on demand, at most
 * once per `minGapMs` (a worker after each graded job: thousands of jobs an
 * hour must not mean thousands of sums over agent_events). One check at a
 * time per process; errors are logged, never thrown into the caller's path.
 */
export interface BudgetChecks {
  /** Checks now unless one ran within minGapMs or is running. */
  maybeCheck(): Promise<BudgetCheck | undefined>;
  stop(): Promise<void>;
}

export function startBudgetChecks(
  deps: BudgetDeps,
  opts: { intervalMs?: number; minGapMs?: number } = {},
): BudgetChecks {
  const minGapMs = opts.minGapMs ?? 10_000;
  let last = 0;
  let running: Promise<BudgetCheck | undefined> | undefined;
  const run = (): Promise<BudgetCheck | undefined> => {
    if (running) return running;
    if (Date.now() - last < minGapMs) return Promise.resolve(undefined);
    last = Date.now();
    running = checkBudget(deps)
      .catch((err) => {
        deps.logger.warn({ err: toError(err).message }, 'budget check failed; will retry');
        return undefined;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = opts.intervalMs ? setInterval(() => void run(), opts.intervalMs) : undefined;
  timer?.unref();
  return {
    maybeCheck: run,
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
