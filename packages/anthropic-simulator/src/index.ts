/**
 * Public face of the Anthropic API simulator: a local HTTP server speaking the
 * Messages and Message Batches wire protocol. See README.md.
 */

import './revise.js'; // chief-of-staff tools: propose_revision, `Counts as met` phrases
import './mine.js'; // the pattern miner's tool: record_patterns (keyword clustering)

export type { ApiErrorType } from './api-error.js';
export { type ServeOptions, serveSimulatorForever } from './cli.js';
export type { SimClock } from './clock.js';
export { TOOL_OVERHEAD_TOKENS } from './engine.js';
export type { ScriptedError } from './faults.js';
export { findModel, MODELS, type ModelInfo } from './models.js';
export {
  DEFAULT_OPTIONS,
  FAULT_KINDS,
  type FaultKind,
  mergeOptions,
  parseOptionsPatch,
  type SimulatorOptions,
  type SimulatorOptionsPatch,
} from './options.js';
export type { CacheStats } from './prompt-cache.js';
export type { RequestLogEntry } from './request-log.js';
export { instanceOf } from './schema-instance.js';
export { validateJson } from './schema-validate.js';
export { type Simulator, startSimulator } from './simulator.js';
export {
  recordVerdictHandler,
  registerToolHandler,
  secondOpinionHandler,
  type ToolCallContext,
  type ToolHandler,
} from './tools.js';
