import type Anthropic from '@anthropic-ai/sdk';
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ContextStore } from '../context/store.js';
import type { Pool } from '../db/pool.js';
import type { LlmDeps } from '../llm/call.js';
import type { PriceTable } from '../llm/prices.js';
import type { Notifier } from '../notify/index.js';
import type { GradeSettings } from '../qc/grade.js';
import type { CatalogSettings } from '../queue/jobs.js';
import type { Runtime } from '../runtime.js';
import type { CrashAt } from './crash.js';

/** Everything the batch code needs, passed in (no module-level clients). */
export interface BatchDeps {
  pool: Pool;
  anthropic: Anthropic;
  llm: LlmDeps;
  prices: PriceTable;
  contexts: ContextStore;
  settings: GradeSettings;
  logger: Logger;
  /** The realtime `qc` queue, for --via queue and for errored/expired entries. */
  qcQueue?: Queue | undefined;
  catalog: CatalogSettings;
  limits: {
    maxRequests: number;
    maxBytes: number;
    /** Help-desk statuses worth grading (QC_GRADE_ON_STATUS). */
    statuses: string[];
  };
  /**
   * How long a `submitting` chunk with no matching batch in the list is given
   * before it counts as never created: the create call may still be in flight.
   */
  submitGraceMs: number;
  /** Timeout of the create call itself (a large upload takes a while). */
  createTimeoutMs: number;
  /** Result entries graded at once. */
  ingestConcurrency: number;
  /**
   * Result entries whose stored result and newer version are read in one
   * statement when collecting (src/batches/collect.ts; default 100).
   */
  ingestPage?: number | undefined;
  /**
   * Unbundled follow-ups read per query when bundling the next round (each
   * journal up to ~50 kB): what bundling holds at once, whatever the backlog.
   */
  followupPage?: number | undefined;
  crashAt?: CrashAt | undefined;
  random?: (() => number) | undefined;
  /** New escalations are announced as the realtime worker announces them. */
  notifier?: Notifier | undefined;
  /**
   * Repairs, tier-ups and shadows: through further batch rounds, at most
   * `rounds` after the first (then realtime), or realtime from the start
   * (QC_BATCH_FOLLOWUPS, QC_BATCH_FOLLOWUP_ROUNDS; src/batches/followup.ts).
   */
  followups: { via: 'batches' | 'realtime'; rounds: number };
}

/** A create call uploads up to 256 MB: it gets far longer than a Messages call. */
const CREATE_TIMEOUT_MS = 10 * 60_000;

function batchLimits(config: Config): BatchDeps['limits'] {
  return {
    maxRequests: config.QC_BATCH_MAX_REQUESTS,
    maxBytes: config.QC_BATCH_MAX_BYTES,
    statuses: config.QC_GRADE_ON_STATUS,
  };
}

export function batchDepsOf(
  rt: Runtime,
  extra: Partial<
    Pick<BatchDeps, 'qcQueue' | 'crashAt' | 'random' | 'submitGraceMs' | 'followups'>
  > = {},
): BatchDeps {
  const createTimeoutMs = Math.max(rt.config.ANTHROPIC_TIMEOUT, CREATE_TIMEOUT_MS);
  return {
    pool: rt.pool,
    anthropic: rt.anthropic,
    llm: rt.llm,
    prices: rt.prices,
    contexts: rt.contexts,
    settings: rt.settings,
    logger: rt.logger,
    notifier: rt.notifier,
    catalog: {
      attempts: rt.config.QC_JOB_ATTEMPTS,
      failedRetentionMs: rt.config.QC_FAILED_RETENTION,
    },
    limits: batchLimits(rt.config),
    submitGraceMs: createTimeoutMs + 60_000,
    createTimeoutMs,
    ingestConcurrency: 4,
    followups: { via: rt.config.QC_BATCH_FOLLOWUPS, rounds: rt.config.QC_BATCH_FOLLOWUP_ROUNDS },
    ...extra,
  };
}
