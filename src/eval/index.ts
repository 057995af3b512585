/** Evaluation over a labeled set: accuracy, agreement and Cohen's kappa vs gold, cost, latency. */

export { listRuns, type RunRow, runWithItems, saveRun } from '../db/eval-runs.js';
export { type Comparison, compareRuns, mcnemarExact } from './compare.js';
export { ContextVersionError, resolveContext } from './context-at.js';
export { type Dataset, type LabeledItem, loadDataset } from './dataset.js';
export { type Confusion, cohenKappa, confusionOf, kappaOf, percentile } from './kappa.js';
export { type EvalItem, type EvalSummary, summarize } from './metrics.js';
export { formatComparison, formatReport, formatRuns } from './report.js';
export { type AutoFailScore, autoFailOf, type RuleScore, rulesOf } from './rules.js';
export {
  type EvalDeps,
  EvalFailedError,
  type EvalOptions,
  type EvalReport,
  runEval,
} from './run.js';
