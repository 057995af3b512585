/** Budgets: spend per day and month, the 80% warning, the 100% hard stop of the qc queue. */
export { type BudgetCheck, type BudgetDeps, budgetDepsOf } from './check.js';
export { type Actor, budgetPaused } from './control.js';
export type { BudgetNotify } from './notify.js';
export { type BudgetChecks, startBudgetChecks } from './runner.js';
export type { PeriodSpend } from './spend.js';
