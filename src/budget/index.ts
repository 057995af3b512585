/** Budgets: spend per day and month, the 80% warning, the 100% hard stop of the qc queue. */
export {
  type BudgetCheck,
  type BudgetDeps,
  budgetDepsOf,
  checkBudget,
  WARN_SHARE,
} from './check.js';
export { type Actor, budgetPaused, pauseQueue, recordResume, resumeQueue } from './control.js';
export { type BudgetNotify, defaultBudgetNotify } from './notify.js';
export { type BudgetChecks, startBudgetChecks } from './runner.js';
export { budgetSpend, currentPeriods, type PeriodSpend, spendBetween } from './spend.js';
