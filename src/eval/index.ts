/** Evaluation over a labeled set: accuracy, agreement and Cohen's kappa vs gold, cost, latency. */

export { listRuns, type RunRow, saveRun } from '../db/eval-runs.js';
export { ContextVersionError, resolveContext } from './context-at.js';
export { type Dataset, type LabeledItem, loadDataset } from './dataset.js';
export { type Confusion, cohenKappa, confusionOf, kappaOf, percentile } from './kappa.js';
export { type EvalItem, type EvalSummary, summarize } from './metrics.js';
export { formatReport, formatRuns } from './report.js';
export { type EvalDeps, type EvalOptions, type EvalReport, runEval } from './run.js';
