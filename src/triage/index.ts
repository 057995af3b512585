export {
  backtestTriage,
  statusOfTriage,
  type TriageBacktest,
  type TriageBacktestTicket,
} from './backtest.js';
export type { TriageDeps } from './check.js';
export { TRIAGE_FILE, type TriageContext } from './context.js';

export { type TriageRun, type TriageRunDeps, triageTicket } from './run.js';
export { startTriage, type TriageLoops } from './worker.js';
