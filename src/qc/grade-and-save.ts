import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import { QC_AGENT } from '../context/files.js';
import { insertEvents, llmCallEvent } from '../db/events.js';
import type { Pool, Queryable } from '../db/pool.js';
import type { StoredTicket } from '../db/tickets.js';
import type { LlmCall, LlmDeps } from '../llm/call.js';
import { LlmError } from '../llm/retry.js';
import { toError } from '../logger.js';
import { type Notifier, notifyEscalations } from '../notify/index.js';
import { type CallFn, CallNeeded } from './call-needed.js';
import type { QcContext } from './context.js';
import {
  callsOf,
  type GradeOutcome,
  type GradeSettings,
  gradeTicket,
  InvalidOutputError,
} from './grade.js';
import { type SaveResult, saveGrade } from './persist.js';
import { secondOpinionRates } from './second-opinion.js';

export interface GradeAndSaveDeps {
  pool: Pool;
  llm: LlmDeps;
  settings: GradeSettings;
  logger: Logger;
  random?: (() => number) | undefined;
  notifier?: Notifier | undefined;
}

export interface GradeAndSaveOptions {
  via: 'realtime' | 'batch' | 'queue';
  jobId?: string | undefined;
  signal?: AbortSignal | undefined;
  /** The base model's reply from the Message Batches API (costed at batch prices). */
  batchReply?: Anthropic.Message | undefined;
  /**
   * Batch follow-ups (src/batches/followup.ts): how the later model calls are
   * made (replayed from a journal, or `CallNeeded`), and the random draws and
   * sample rates replayed so a resumed grade takes the same branches.
   */
  replay?: GradeReplay | undefined;
  /**
   * false: the calls of an InvalidOutputError are not recorded here; the
   * caller records them (`err.calls`) with its own state change, in one
   * transaction (the batch collector: a kill in between must not record twice).
   */
  recordInvalid?: boolean | undefined;
  /**
   * true: the batch replies among the calls (`batch`) are recorded already (a
   * requeued batch entry's, recorded when it was requeued): not again here.
   */
  batchRecorded?: boolean | undefined;
}

export interface GradeReplay {
  call: CallFn;
  random(fresh: () => number): () => number;
  rate(fresh: ((rule: string) => number) | undefined): (rule: string) => number;
}

/**
 * The one path from a stored ticket to a stored verdict, shared by the
 * realtime worker and the batch collector: grade (validation, repair,
 * tiering, shadow), record what was paid for even when no verdict came of
 * it, save exactly once, and announce new escalations after the commit.
 */
export async function gradeAndSave(
  deps: GradeAndSaveDeps,
  ctx: QcContext,
  stored: StoredTicket,
  opts: GradeAndSaveOptions,
): Promise<{ outcome: GradeOutcome; saved: SaveResult; latencyMs: number }> {
  const started = performance.now();
  let outcome: GradeOutcome;
  try {
    const rates = deps.settings.secondOpinion
      ? await secondOpinionRates(deps.pool, deps.settings.secondOpinion)
      : undefined;
    const { replay } = opts;
    const random = replay ? replay.random(deps.random ?? Math.random) : deps.random;
    const rate = replay ? replay.rate(rates) : rates;
    outcome = await gradeTicket(
      {
        llm: { ...deps.llm, logger: deps.logger },
        settings: deps.settings,
        logger: deps.logger,
        ...(random ? { random } : {}),
        ...(rate ? { secondOpinionRate: rate } : {}),
        ...(replay ? { call: replay.call } : {}),
      },
      ctx,
      stored.ticket,
      {
        purpose: opts.batchReply ? 'batch' : 'grade',
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.batchReply ? { batchReply: opts.batchReply } : {}),
      },
    );
  } catch (err) {
    // Not a failure: the batch collector sends the request in its next round.
    if (err instanceof CallNeeded) throw err;
    // What was paid for is recorded even though no verdict came of it: an
    // invalid output after every tier, or a later call (tier-up, shadow) that
    // failed or was cancelled after earlier ones succeeded. A batch reply is
    // recorded here only when the entry is done for (invalid output): after a
    // transient failure the collector grades the same reply again later.
    const paid =
      err instanceof InvalidOutputError
        ? opts.recordInvalid === false
          ? []
          : err.calls.filter((c) => !(opts.batchRecorded && c.batch))
        : callsOf(err).filter((c) => !c.batch);
    await recordPaidCalls(deps.pool, ctx, stored.id, opts.jobId, paid).catch((e: unknown) =>
      // The original error decides what happens to the job; do not mask it.
      deps.logger.error(
        { err: toError(e).message, calls: paid.length },
        'could not record the model calls of a failed grade',
      ),
    );
    // An operational failure (issue 11): the chief sends repeats of it to an
    // operator notice, never to a context proposal.
    const category = operationalCategory(err);
    if (category) {
      await insertEvents(deps.pool, [
        {
          agent: QC_AGENT,
          kind: 'failure',
          category,
          ticketId: stored.id,
          contextVersion: ctx.version,
          jobId: opts.jobId ?? null,
          details: { kind: category, note: toError(err).message.slice(0, 300) },
        },
      ]).catch((e: unknown) =>
        deps.logger.error({ err: toError(e).message }, 'could not record an operational failure'),
      );
    }
    throw err;
  }
  const latencyMs = Math.round(performance.now() - started);
  const saved = await saveGrade(
    deps.pool,
    {
      ticketId: stored.id,
      ctx,
      outcome,
      jobId: opts.jobId,
      via: opts.via,
      latencyMs,
      batchRecorded: opts.batchRecorded,
    },
    deps.logger,
  );
  if (!saved.duplicate && outcome.verdict.escalations.length > 0) {
    // Never throws; a failed post is logged by the notifier.
    void notifyEscalations(deps.notifier, {
      ticketId: stored.id,
      externalId: stored.externalId,
      subject: stored.ticket.subject,
      resultId: saved.resultId,
      escalations: outcome.verdict.escalations,
    });
  }
  return { outcome, saved, latencyMs };
}

/** The operational failure kind of a grading error; undefined for a cancellation. */
export function operationalCategory(
  err: unknown,
): 'invalid_output' | 'timeout' | 'api_error' | undefined {
  if (err instanceof InvalidOutputError) return 'invalid_output';
  const e = toError(err);
  if (e.name === 'AbortError' || /aborted|cancel/i.test(e.message)) return undefined;
  if (/timed? ?out|timeout/i.test(`${e.name} ${e.message}`)) return 'timeout';
  if (err instanceof LlmError) return 'api_error';
  return undefined;
}

/** llm_call events for calls that produced no stored result. */
export async function recordPaidCalls(
  db: Queryable,
  ctx: QcContext,
  ticketId: number,
  jobId: string | undefined,
  calls: LlmCall[],
): Promise<void> {
  await insertEvents(
    db,
    calls.map((c) =>
      llmCallEvent(QC_AGENT, c, { ticketId, contextVersion: ctx.version, jobId: jobId ?? null }),
    ),
  );
}
