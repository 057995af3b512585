/** Evaluation over a labeled set: accuracy, agreement and Cohen's kappa vs gold, cost, latency. */

export { listRuns, type RunRow } from '../db/eval-runs.js';

export type { Dataset, LabeledItem } from './dataset.js';
export type { Confusion } from './kappa.js';
export type { EvalItem, EvalSummary } from './metrics.js';
export { formatReport, formatRuns } from './report.js';
export { type EvalDeps, type EvalOptions, type EvalReport, runEval } from './run.js';
