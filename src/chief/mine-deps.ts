import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import type { ContextStore } from '../context/store.js';
import type { Pool } from '../db/pool.js';
import type { LlmDeps } from '../llm/call.js';
import type { Notifier } from '../notify/index.js';
import type { GradeSettings } from '../qc/grade.js';
import type { Runtime } from '../runtime.js';

export const MINER_AGENT = 'pattern-miner';
export const MINED_CATEGORY = 'mined_patterns';
export const FILE = 'patterns.md';
export const EVENT_AGENT = 'chief-of-staff';

export interface MineSettings {
  model: string;
  chunkSize: number;
  maxTokens: number;
  /** A problem becomes a pattern when seen on at least this many distinct tickets. */
  minTickets: number;
  /** At most this many patterns added or edited per proposal. */
  maxPatterns: number;
  minFixed: number;
  maxRegressed: number;
  /** Help-desk statuses read as history (closed work). */
  statuses: string[];
  pollMs: number;
}

export interface MineDeps {
  pool: Pool;
  llm: LlmDeps;
  anthropic: Anthropic;
  contexts: ContextStore;
  settings: GradeSettings;
  mine: MineSettings;
  logger: Logger;
  notifier?: Notifier | undefined;
  now?: () => Date;
}

/** Output budget of one chunk's answer: a list of patterns, not a file. */
const MINE_MAX_TOKENS = 8_192;

/** The miner's deps from a process's runtime (CLI command, scheduled job). */
export function mineDepsOf(rt: Runtime): MineDeps {
  const c = rt.config;
  return {
    pool: rt.pool,
    llm: rt.llm,
    anthropic: rt.anthropic,
    contexts: rt.contexts,
    // Backtests grade without shadow samples, like the chief's.
    settings: { ...rt.settings, shadowRate: 0 },
    mine: {
      model: c.CHIEF_MODEL,
      chunkSize: c.QC_PATTERNS_CHUNK,
      maxTokens: MINE_MAX_TOKENS,
      minTickets: c.QC_PATTERNS_MIN_TICKETS,
      maxPatterns: 5,
      minFixed: c.QC_CHIEF_MIN_FIXED,
      maxRegressed: c.QC_CHIEF_MAX_REGRESSED,
      statuses: c.QC_GRADE_ON_STATUS,
      pollMs: c.QC_BATCH_POLL_INTERVAL,
    },
    logger: rt.logger,
    notifier: rt.notifier,
  };
}
