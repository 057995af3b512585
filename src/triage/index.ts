export {
  backtestTriage,
  statusOfTriage,
  type TriageBacktest,
  type TriageBacktestTicket,
} from './backtest.js';
export { InvalidTriageError, runTriageCheck, type TriageDeps } from './check.js';
export {
  INTAKE_FIELDS,
  TRIAGE_AGENT,
  TRIAGE_FILE,
  TRIAGE_TOOL,
  type TriageContext,
  triageContextOf,
} from './context.js';
export { creationState } from './creation.js';
export { type TriageRun, type TriageRunDeps, triageTicket } from './run.js';
export { startTriage, type TriageLoops } from './worker.js';
