import type Anthropic from '@anthropic-ai/sdk';
import type { GradeSettings } from '../config.js';
import { journalFollowup } from '../db/batch-followups.js';
import {
  type EntryChecks,
  journalOfRequest,
  type RequestRef,
  setRequestState,
} from '../db/batches.js';
import { withTransaction } from '../db/pool.js';
import { transitionQcStatus } from '../db/qc-status.js';
import { contentHashOf, getTicketToGrade } from '../db/tickets.js';
import { callTool } from '../llm/call.js';
import { toError } from '../logger.js';
import { CallNeeded } from '../qc/call-needed.js';
import type { QcContext } from '../qc/context.js';
import { InvalidOutputError } from '../qc/grade.js';
import { gradeAndSave, recordPaidCalls } from '../qc/grade-and-save.js';
import { enqueueQc } from '../queue/enqueue.js';
import { checkpoint } from './crash.js';
import type { BatchDeps } from './deps.js';
import {
  type Journal,
  journalOf,
  journalSettingsOf,
  paidCallsOf,
  replayOf,
  storedRequest,
} from './followup.js';

type BatchResult = Anthropic.Messages.Batches.MessageBatchResult;
/** An entry with no result: absent from the results, or its follow-up batch refused at create. */
type NoResult = { type: 'missing' | 'refused' };

/** Batch fallbacks queue behind live tickets (BullMQ: higher number, lower priority). */
export const BATCH_PRIORITY = 10;
/** Transient failures (a tier-up call that kept failing) tolerated per entry before requeueing it. */
const MAX_INGEST_ATTEMPTS = 3;

export type IngestOutcome = 'graded' | 'requeued' | 'failed' | 'retry' | 'followup' | 'superseded';

export interface IngestScope {
  deps: BatchDeps;
  ctx: QcContext;
  model: string;
  runId: number;
}

/**
 * Sends one errored/expired/canceled/missing entry to the realtime queue (low
 * priority). The job id derives from the ticket and context versions, so
 * requeueing again after a crash adds nothing. `paid`: the journal of an
 * entry whose batch replies no batch result will record (grading kept
 * failing); they are recorded in the transaction that settles the request,
 * so a rerun never records them twice, and the request keeps the journal:
 * the realtime job grades from those replies instead of buying them again,
 * and does not record them a second time (./requeued.ts).
 */
export async function requeue(
  scope: IngestScope,
  req: RequestRef,
  resultType: string,
  error?: string,
  paid?: Journal,
): Promise<IngestOutcome> {
  const { deps } = scope;
  if (!deps.qcQueue) throw new Error('no qc queue to requeue errored batch entries on');
  const settle = (patch: Parameters<typeof setRequestState>[2]) =>
    withTransaction(deps.pool, async (db) => {
      if (paid) {
        const calls = paidCallsOf(paid, scope.model, deps.prices);
        await recordPaidCalls(db, scope.ctx, req.ticket_id, req.custom_id, calls);
        checkpoint(deps.crashAt, 'requeue-recorded');
      }
      await setRequestState(db, req.custom_id, patch);
    });
  const contentHash = await contentHashOf(deps.pool, req.ticket_id);
  if (!contentHash) {
    await settle({ state: 'failed', resultType, error: 'ticket deleted' });
    return 'failed';
  }
  // Stored before the job exists, which a worker may start before the request is settled: it
  // grades from these replies (./requeued.ts), and whatever settles the request records them.
  if (paid) await setRequestState(deps.pool, req.custom_id, { journal: paid });
  await enqueueQc(
    deps.qcQueue,
    { ticketId: req.ticket_id, contentHash, contextVersion: req.context_version, via: 'realtime' },
    deps.catalog,
    { priority: BATCH_PRIORITY },
  );
  await transitionQcStatus(deps.pool, 'batchQueue', { ids: [req.ticket_id] });
  await settle({
    state: 'requeued',
    resultType,
    ...(error ? { error } : {}),
    // Kept: a job started after this reads it here (./requeued.ts).
    ...(paid ? { journal: paid } : {}),
  });
  return 'requeued';
}

/**
 * One result entry through the realtime worker's path: the same validation,
 * repair, tiering and shadow logic (gradeTicket with the batch reply, costed
 * at batch prices) and the same exactly-once persistence (saveGrade).
 *
 * A later call grading needs (repair, tier-up, second opinion, shadow) is
 * journaled for the run's next round (./followup.ts), unless follow-ups are
 * realtime or the rounds are used up: then it is made realtime here. A
 * follow-up entry that errored, expired, went missing or whose batch the API
 * refused at create (`refused`) is finished realtime too: its earlier replies
 * are paid for and replayed, not asked again.
 *
 * `checks`: the stored result of the entry's ticket version, read with its
 * page of entries (collect.ts, db/batches.ts entryChecksOf).
 */
export async function ingestEntry(
  scope: IngestScope,
  req: RequestRef,
  result: BatchResult | NoResult,
  checks: EntryChecks,
): Promise<IngestOutcome> {
  const { deps, ctx } = scope;
  if (result.type !== 'succeeded' && req.round === 1) {
    const error =
      result.type === 'errored' ? JSON.stringify(result.error).slice(0, 500) : undefined;
    return requeue(scope, req, result.type, error);
  }
  // Read now, not with the chunk's index: one journal per entry in flight is held at a time.
  const journaled = req.round > 1 ? await journalOfRequest(deps.pool, req.custom_id) : undefined;
  const journal = journalFor(req, result, deps.settings, journaled);
  // A crash between saveGrade and the state update leaves a result behind: grading again would pay twice.
  // A result saved by another job (the ticket went realtime: a live webhook between rounds) did not
  // record this entry's batch replies, though they were paid for: they are recorded with the state.
  const existing = checks.result;
  if (existing !== undefined) {
    await settleUngraded(scope, req, existing.jobId === req.custom_id ? undefined : journal, {
      state: 'graded',
      resultType: result.type,
      resultId: existing.id,
    });
    return 'graded';
  }
  // With whether a newer version is stored, read now rather than with the page of entries: a
  // webhook may have stored one while the entries before this one were graded.
  const stored = await getTicketToGrade(deps.pool, req.ticket_id);
  if (!stored) {
    await setRequestState(deps.pool, req.custom_id, { state: 'failed', error: 'ticket deleted' });
    return 'failed';
  }
  // A newer version arrived (live, between rounds): this one is never graded, as the worker would not
  // grade it; a verdict saved for it now would be written back over the newer version's.
  if (stored.newer) {
    await settleUngraded(scope, req, journal, {
      state: 'superseded',
      resultType: result.type,
      error: 'a newer version of the ticket is stored',
    });
    return 'superseded';
  }
  const { via, rounds } = deps.followups;
  const realtime = via === 'realtime' || req.round > rounds || result.type !== 'succeeded';
  const log = deps.logger.child({ customId: req.custom_id, ticketId: req.ticket_id });
  const llm = { ...deps.llm, logger: log };
  // Follow-ups realtime from the start: exactly the path before batch rounds existed.
  const replay =
    via === 'realtime' && req.round === 1
      ? undefined
      : replayOf(journal, deps.prices, realtime ? (r) => callTool(llm, r) : undefined);
  let saved: Awaited<ReturnType<typeof gradeAndSave>>['saved'];
  try {
    ({ saved } = await gradeAndSave(
      {
        pool: deps.pool,
        llm: deps.llm,
        // The run's grading settings, not a restarted worker's: the replay takes the journaled path.
        settings: { ...deps.settings, ...journal.settings, baseModel: scope.model },
        logger: log,
        random: deps.random,
        notifier: deps.notifier,
      },
      ctx,
      stored,
      {
        via: 'batch',
        jobId: req.custom_id,
        batchReply: journal.base,
        replay,
        recordInvalid: false,
      },
    ));
  } catch (raw) {
    const err = toError(raw);
    if (err instanceof CallNeeded) {
      await journalFollowup(deps.pool, {
        runId: scope.runId,
        fromCustomId: req.custom_id,
        ticketId: req.ticket_id,
        contextVersion: req.context_version,
        round: req.round + 1,
        journal: { ...journal, request: storedRequest(err.request, ctx) },
        resultType: result.type,
      });
      return 'followup';
    }
    if (err instanceof InvalidOutputError) {
      // This entry will not get a verdict: its paid calls are recorded with its state, so once.
      await withTransaction(deps.pool, async (db) => {
        await recordPaidCalls(db, ctx, stored.id, req.custom_id, err.calls);
        checkpoint(deps.crashAt, 'failed-entry');
        await setRequestState(db, req.custom_id, {
          state: 'failed',
          resultType: result.type,
          error: err.message.slice(0, 500),
        });
      });
      return 'failed';
    }
    const attempts = req.attempts + 1;
    log.warn({ err: err.message, attempts }, 'grading a batch result failed');
    if (attempts >= MAX_INGEST_ATTEMPTS) {
      // The batch replies were paid for; no result will ever record them now.
      return requeue(scope, req, result.type, err.message.slice(0, 500), journal);
    }
    await setRequestState(deps.pool, req.custom_id, { attempts, error: err.message.slice(0, 500) });
    return 'retry';
  }
  await setRequestState(deps.pool, req.custom_id, {
    state: 'graded',
    resultType: result.type,
    resultId: saved.resultId ?? null,
  });
  return 'graded';
}

/**
 * Settles an entry that will not be graded from its replies (another job's
 * result stands, or the version is superseded). `paid`: the journal whose
 * batch replies were paid for and not yet recorded; they are recorded in the
 * same transaction as the state, so a rerun never records them twice.
 */
async function settleUngraded(
  scope: IngestScope,
  req: RequestRef,
  paid: Journal | undefined,
  patch: Parameters<typeof setRequestState>[2],
): Promise<void> {
  const { deps, ctx } = scope;
  await withTransaction(deps.pool, async (db) => {
    if (paid) {
      await recordPaidCalls(
        db,
        ctx,
        req.ticket_id,
        req.custom_id,
        paidCallsOf(paid, scope.model, deps.prices),
      );
    }
    if (patch.state === 'superseded')
      await transitionQcStatus(db, 'supersedeAtGrade', { ids: [req.ticket_id] });
    await setRequestState(db, req.custom_id, patch);
  });
}

/** The journal to grade this entry with: the first round's reply, or the stored journal plus this round's reply. */
function journalFor(
  req: RequestRef,
  result: BatchResult | NoResult,
  settings: GradeSettings,
  stored: unknown,
): Journal {
  if (req.round === 1) {
    if (result.type !== 'succeeded') throw new Error('a first-round entry without a reply');
    return {
      base: result.message,
      replies: [],
      draws: [],
      rates: {},
      settings: journalSettingsOf(settings),
    };
  }
  const { request, ...j } = journalOf(stored);
  if (result.type !== 'succeeded' || !request) return j;
  return {
    ...j,
    replies: [
      ...j.replies,
      {
        message: result.message,
        model: request.model,
        purpose: request.purpose,
        tier: request.tier,
      },
    ],
  };
}
