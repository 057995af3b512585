/** Chief of staff: repeated failures → checked, backtested, reviewable context diffs. */
export { type Backtest, type NotBacktested, runBacktest, withRevision } from './backtest.js';
export { registerChiefCommands } from './cli.js';
export {
  type Candidate,
  DETECT_SQL,
  detectParams,
  detectRepeats,
  vocabularyPairs,
} from './detect.js';
export { applyDiff, colorDiff, unifiedDiff } from './diff.js';
export { type Evidence, gatherEvidence } from './evidence.js';
export { formatPass, formatProposal, formatProposalRow } from './format.js';
export { CHIEF_AGENT, type ChiefDeps, type PassResult, runChiefPass } from './pass.js';
export { REVISE_TOOL, type Revision, reviseTool } from './prompt.js';
export { checkRevision, MAX_FILE_BYTES } from './rules.js';
export { chiefDeps, runChiefOnce, runChiefProcess } from './run.js';
export { CHIEF_QUEUE, startChiefScheduler } from './scheduler.js';
export { getProposal, listProposals, type Proposal } from './store.js';
