/**
 * Public face of the nightly batch: import historical tickets, grade those
 * without a result for the active context version through the Message
 * Batches API (half price) or the realtime queue, report on it. See README.md.
 */
export { registerBatchCommands } from './cli.js';
export { type CrashAt, type CrashPoint, InjectedCrash } from './crash.js';
export { readCsv } from './csv.js';
export { type BatchDeps, batchDepsOf } from './deps.js';
export { type Estimate, estimateCost, formatEstimate } from './estimate.js';
export {
  formatImportSummary,
  type ImportOptions,
  type ImportSummary,
  importFile,
} from './import.js';
export { Gold, parseRow, type Row, readJsonl } from './jsonl.js';
export { pollBatches, type RunOptions, type RunReport, runBatch } from './run.js';
export {
  BATCH_QUEUE,
  type BatchScheduler,
  NIGHTLY_SCHEDULER,
  POLL_SCHEDULER,
  startBatchScheduler,
} from './scheduler.js';
export { type BatchStatus, batchStatus, formatStatus } from './status.js';
