import type { Runtime } from '../runtime.js';
import type { MineDeps } from './mine.js';

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
