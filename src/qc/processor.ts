import type Anthropic from '@anthropic-ai/sdk';
import { type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import { QC_AGENT } from '../context/files.js';
import type { ContextStore } from '../context/store.js';
import type { Pool } from '../db/pool.js';
import type { StoredTicket } from '../db/tickets.js';
import { type ReservedAttempt, withAttemptScope } from '../llm/attempts.js';
import type { LlmCall, LlmDeps } from '../llm/call.js';
import { LlmError } from '../llm/retry.js';
import { toError } from '../logger.js';
import type { Notifier } from '../notify/index.js';
import type { QcJobData } from '../queue/jobs.js';
import { type QcContext, qcContextOf } from './context.js';
import { type GradeSettings, InvalidOutputError } from './grade.js';
import { type GradeReplay, gradeAndSave } from './grade-and-save.js';
import { payloadOrRebuild } from './lost-payload.js';
import { prepareJob, releaseReserved } from './prepare.js';
import { qcStatements } from './statements.js';

export interface ProcessorDeps {
  pool: Pool;
  llm: LlmDeps;
  contexts: ContextStore;
  settings: GradeSettings;
  logger: Logger;
  random?: () => number;
  notifier?: Notifier;
  /** Called after each model call set, e.g. for the zero-cache warning and metrics. */
  onGraded?: (info: { ctx: QcContext; result: JobResult; calls: LlmCall[] }) => void;
  /**
   * Replies a job's ticket already has, paid for and recorded elsewhere (a
   * batch entry sent to this queue after its realtime fallback kept failing:
   * src/batches/requeued.ts): grading reuses them instead of buying them again.
   */
  resume?: ResumeGrade | undefined;
}

/** Replies already paid for and recorded, and the settings grading took with them. */
export interface ResumedGrade {
  batchReply: Anthropic.Message;
  replay: GradeReplay;
  settings: Partial<GradeSettings>;
}

/** `llm` and `logger`: how a call past the stored replies is made (the job's own realtime call). */
export type ResumeGrade = (job: {
  ticketId: number;
  ctx: QcContext;
  priority: number | undefined;
  llm: LlmDeps;
  logger: Logger;
}) => Promise<ResumedGrade | undefined>;

export interface JobResult {
  ticketId: number;
  resultId?: number | undefined;
  duplicate: boolean;
  skipped?: boolean;
  outcome?: string;
  model?: string;
  costUsd?: number;
  contextVersion: string;
}

/**
 * The QC job handler. Three arguments, so BullMQ hands it the job's
 * AbortSignal, which is threaded into every model request.
 */
export function makeQcProcessor(deps: ProcessorDeps) {
  return async (job: Job, _token?: string, signal?: AbortSignal): Promise<JobResult> => {
    // Issue 10: a payload Redis lost is rebuilt from PostgreSQL by the job id.
    const data = await payloadOrRebuild(
      {
        pool: deps.pool,
        logger: deps.logger,
        activeContextVersion: async () => qcContextOf(await deps.contexts.active()).version,
      },
      job,
    );
    const log = deps.logger.child({
      queue: job.queueName,
      jobId: job.id,
      attempt: job.attemptsMade + 1,
      ticketId: data.ticketId,
    });

    // Issue 13: one statement loads the version, checks for a newer one and for
    // a stored result, reads the context key and reserves the first call's
    // attempt row (src/qc/prepare.ts).
    const prep = await prepareJob(deps, data.ticketId, job.id);
    const { ctx, stored, reserved } = prep;
    try {
      if (prep.newer) {
        log.info('a newer version of this ticket exists; not grading this one');
        return {
          ticketId: data.ticketId,
          duplicate: false,
          skipped: true,
          contextVersion: ctx.version,
        };
      }
      if (prep.existingResultId !== undefined) {
        log.info('already graded for this context version; skipping');
        return {
          ticketId: data.ticketId,
          resultId: prep.existingResultId,
          duplicate: true,
          skipped: true,
          contextVersion: ctx.version,
        };
      }
      return await gradeJob(deps, job, data, log, signal, { ctx, stored: stored(), reserved });
    } finally {
      // A reserved row no call took (the job skipped, or failed before its first call): nothing was paid.
      if (reserved && !reserved.used) await releaseReserved(deps.pool, reserved, log);
    }
  };
}

async function gradeJob(
  deps: ProcessorDeps,
  job: Job,
  data: QcJobData,
  log: Logger,
  signal: AbortSignal | undefined,
  p: { ctx: QcContext; stored: StoredTicket; reserved: ReservedAttempt | undefined },
): Promise<JobResult> {
  const { ctx, stored, reserved } = p;
  const resumed = await deps.resume?.({
    ticketId: data.ticketId,
    ctx,
    priority: job.opts.priority,
    llm: deps.llm,
    logger: log,
  });
  let graded: Awaited<ReturnType<typeof gradeAndSave>>;
  try {
    // Issue 10: the attempt rows of this job's paid calls name its ticket and job.
    graded = await withAttemptScope(
      {
        agent: QC_AGENT,
        ticketId: data.ticketId,
        jobId: job.id,
        contextVersion: ctx.version,
        reserved,
        // Issue 13: answers ride on the next insert or the grade statement, not a statement each.
        held: [],
        // Issue 13: a later call's attempt row (tier-up, second opinion) goes with the lane.
        insert: qcStatements(deps.pool).begin,
      },
      () =>
        gradeAndSave(
          {
            ...deps,
            logger: log,
            ...(resumed ? { settings: { ...deps.settings, ...resumed.settings } } : {}),
          },
          ctx,
          stored,
          {
            via: data.via,
            jobId: job.id,
            signal,
            ...(resumed
              ? { batchReply: resumed.batchReply, replay: resumed.replay, batchRecorded: true }
              : {}),
          },
        ),
    );
  } catch (raw) {
    const err = toError(raw);
    if (err instanceof LlmError && !err.retryable) {
      throw new UnrecoverableError(`${err.message} (not retryable)`);
    }
    if (err instanceof InvalidOutputError) {
      // Both models, each with a repair turn, answered invalid output (e.g. a
      // verdict cut off at max_tokens): another attempt repeats those paid
      // calls for the same answer. The batch collector treats it as final too.
      throw new UnrecoverableError(`${err.message} (not retried)`);
    }
    throw err;
  }
  const { outcome, saved, latencyMs } = graded;
  const result: JobResult = {
    ticketId: data.ticketId,
    resultId: saved.resultId,
    duplicate: saved.duplicate,
    outcome: outcome.verdict.outcome,
    model: outcome.model,
    costUsd: outcome.calls.reduce((s, c) => s + c.costUsd, 0),
    contextVersion: ctx.version,
  };
  deps.onGraded?.({ ctx, result, calls: outcome.calls });
  log.info(
    {
      outcome: result.outcome,
      model: result.model,
      tier: outcome.tier,
      costUsd: result.costUsd,
      latencyMs,
    },
    'graded',
  );
  return result;
}
