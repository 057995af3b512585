import type Anthropic from '@anthropic-ai/sdk';
import { type RequestRow, setRequestState } from '../db/batches.js';
import { transitionQcStatus } from '../db/qc-status.js';
import { resultIdFor } from '../db/results.js';
import { contentHashOf, getTicket } from '../db/tickets.js';
import { toError } from '../logger.js';
import type { QcContext } from '../qc/context.js';
import { batchReplyCall, InvalidOutputError } from '../qc/grade.js';
import { gradeAndSave, recordPaidCalls } from '../qc/grade-and-save.js';
import { enqueueQc } from '../queue/enqueue.js';
import type { BatchDeps } from './deps.js';

type BatchResult = Anthropic.Messages.Batches.MessageBatchResult;

/** Batch fallbacks queue behind live tickets (BullMQ: higher number, lower priority). */
export const BATCH_PRIORITY = 10;
/** Transient failures (a tier-up call that kept failing) tolerated per entry before requeueing it. */
const MAX_INGEST_ATTEMPTS = 3;

export type IngestOutcome = 'graded' | 'requeued' | 'failed' | 'retry';

export interface IngestScope {
  deps: BatchDeps;
  ctx: QcContext;
  model: string;
}

/**
 * Sends one errored/expired/canceled/missing entry to the realtime queue (low
 * priority). The job id derives from the ticket and context versions, so
 * requeueing again after a crash adds nothing.
 */
export async function requeue(
  scope: IngestScope,
  req: RequestRow,
  resultType: string,
  error?: string,
): Promise<IngestOutcome> {
  const { deps } = scope;
  if (!deps.qcQueue) throw new Error('no qc queue to requeue errored batch entries on');
  const contentHash = await contentHashOf(deps.pool, req.ticket_id);
  if (!contentHash) {
    await setRequestState(deps.pool, req.custom_id, {
      state: 'failed',
      resultType,
      error: 'ticket deleted',
    });
    return 'failed';
  }
  await enqueueQc(
    deps.qcQueue,
    { ticketId: req.ticket_id, contentHash, contextVersion: req.context_version, via: 'realtime' },
    deps.catalog,
    { priority: BATCH_PRIORITY },
  );
  await transitionQcStatus(deps.pool, 'batchQueue', { ids: [req.ticket_id] });
  await setRequestState(deps.pool, req.custom_id, {
    state: 'requeued',
    resultType,
    ...(error ? { error } : {}),
  });
  return 'requeued';
}

/**
 * One result entry through the realtime worker's path: the same validation,
 * repair, tiering and shadow logic (gradeTicket with the batch reply, costed
 * at batch prices) and the same exactly-once persistence (saveGrade).
 */
export async function ingestEntry(
  scope: IngestScope,
  req: RequestRow,
  result: BatchResult,
): Promise<IngestOutcome> {
  const { deps, ctx } = scope;
  if (result.type !== 'succeeded') {
    const error =
      result.type === 'errored' ? JSON.stringify(result.error).slice(0, 500) : undefined;
    return requeue(scope, req, result.type, error);
  }
  // A crash between saveGrade and the state update leaves a result behind: grading again would pay twice.
  const existing = await resultIdFor(deps.pool, req.ticket_id, ctx.version);
  if (existing !== undefined) {
    await setRequestState(deps.pool, req.custom_id, {
      state: 'graded',
      resultType: 'succeeded',
      resultId: existing,
    });
    return 'graded';
  }
  const stored = await getTicket(deps.pool, req.ticket_id);
  if (!stored) {
    await setRequestState(deps.pool, req.custom_id, { state: 'failed', error: 'ticket deleted' });
    return 'failed';
  }
  const log = deps.logger.child({ customId: req.custom_id, ticketId: req.ticket_id });
  let saved: Awaited<ReturnType<typeof gradeAndSave>>['saved'];
  try {
    ({ saved } = await gradeAndSave(
      {
        pool: deps.pool,
        llm: deps.llm,
        settings: { ...deps.settings, baseModel: scope.model },
        logger: log,
        random: deps.random,
        notifier: deps.notifier,
      },
      ctx,
      stored,
      { via: 'batch', jobId: req.custom_id, batchReply: result.message },
    ));
  } catch (raw) {
    const err = toError(raw);
    if (err instanceof InvalidOutputError) {
      // gradeAndSave recorded the paid calls; this entry will not get a verdict.
      await setRequestState(deps.pool, req.custom_id, {
        state: 'failed',
        resultType: 'succeeded',
        error: err.message.slice(0, 500),
      });
      return 'failed';
    }
    const attempts = req.attempts + 1;
    log.warn({ err: err.message, attempts }, 'grading a batch result failed');
    if (attempts >= MAX_INGEST_ATTEMPTS) {
      // The batch reply was paid for; no result will ever record it now.
      await recordPaidCalls(deps.pool, ctx, stored.id, req.custom_id, [
        batchReplyCall(result.message, scope.model, 'base', deps.prices),
      ]);
      return requeue(scope, req, 'succeeded', err.message.slice(0, 500));
    }
    await setRequestState(deps.pool, req.custom_id, { attempts, error: err.message.slice(0, 500) });
    return 'retry';
  }
  await setRequestState(deps.pool, req.custom_id, {
    state: 'graded',
    resultType: 'succeeded',
    resultId: saved.resultId ?? null,
  });
  return 'graded';
}
