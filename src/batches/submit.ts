import Anthropic from '@anthropic-ai/sdk';
import {
  type ChunkRow,
  getRun,
  type RunRow,
  requestsOf,
  settlePendingRequests,
  splitChunk,
  updateChunk,
} from '../db/batches.js';
import { withTransaction } from '../db/pool.js';
import { ticketsById } from '../db/tickets.js';
import { toError } from '../logger.js';
import { qcContextOf } from '../qc/context.js';
import { contextOfRun } from './context.js';
import { checkpoint } from './crash.js';
import type { BatchDeps } from './deps.js';
import {
  type BatchRequest,
  BODY_ENVELOPE_BYTES,
  batchRequest,
  requestBytes,
  sharedParams,
} from './params.js';
import { followupRequest } from './rounds.js';

/**
 * Whether a failed create call surely created nothing. A 4xx answer means the
 * API refused it; a timeout, a dropped connection or a 5xx may have come
 * after the batch was created, so those leave the chunk `submitting` for the
 * reconciler, which looks for it in messages.batches.list.
 */
function refused(err: unknown): 'invalid' | 'retry' | 'unknown' {
  if (!(err instanceof Anthropic.APIError) || err instanceof Anthropic.APIConnectionError) {
    return 'unknown';
  }
  const s = err.status ?? 0;
  if (s === 400 || s === 413 || s === 422) return 'invalid';
  if (s >= 400 && s < 500) return 'retry'; // 401/403/404/429: refused, try again later
  return 'unknown';
}

async function abandon(deps: BatchDeps, chunk: ChunkRow, why: string): Promise<void> {
  await updateChunk(deps.pool, chunk.id, { status: 'abandoned', error: why });
  await settlePendingRequests(deps.pool, chunk.id, 'superseded', why);
  deps.logger.warn({ chunkId: chunk.id }, `batch chunk abandoned: ${why}`);
}

/**
 * Creates the Message Batch for one prepared chunk. The chunk is marked
 * `submitting` (with the time) before the call and gets its batch id after
 * it; a crash in between is settled by reconcileSubmitting. With no
 * idempotency key, the client retries the create call only when the API
 * refused it outright (429, 529): after a lost answer or another error the
 * batch may exist, and a second call could submit twice (src/llm/retry.ts).
 * Returns whether a batch was created.
 */
export async function submitChunk(deps: BatchDeps, chunk: ChunkRow): Promise<boolean> {
  const run = (await getRun(deps.pool, chunk.run_id)) as RunRow;
  const active = qcContextOf(await deps.contexts.active());
  // A follow-up round finishes grading already paid for under the run's context: it is always sent.
  if (chunk.round === 1 && active.version !== run.context_version) {
    // Results for a superseded context would be stale on arrival: the next run reselects these tickets.
    await abandon(deps, chunk, 'the QC context changed before this chunk was submitted');
    return false;
  }
  const ctx = await contextOfRun(deps.pool, run);
  const rows = await requestsOf(deps.pool, chunk.id);
  const tickets = await ticketsById(
    deps.pool,
    rows.filter((r) => r.round === 1).map((r) => r.ticket_id),
  );
  const shared = sharedParams(ctx, run.model, deps.settings.maxTokens);
  const requests = rows.flatMap((r) => {
    if (r.round > 1) return [followupRequest(r.custom_id, r.journal, ctx)];
    const t = tickets.get(r.ticket_id);
    return t ? [batchRequest(shared, r.custom_id, t)] : [];
  });
  if (requests.length !== rows.length) {
    await abandon(deps, chunk, 'tickets of this chunk were deleted before submit');
    return false;
  }

  await updateChunk(deps.pool, chunk.id, { status: 'submitting', submit_started_at: new Date() });
  checkpoint(deps.crashAt, 'before-create');
  let batch: Anthropic.Messages.Batches.MessageBatch;
  try {
    batch = await deps.anthropic.messages.batches.create(
      { requests },
      { timeout: deps.createTimeoutMs },
    );
  } catch (raw) {
    const err = toError(raw);
    const verdict = refused(raw);
    const apiError = raw as InstanceType<typeof Anthropic.APIError>;
    // Too large but divisible, in any round: halves that fit are sent instead, nothing starts over.
    if (verdict === 'invalid' && apiError.status === 413 && requests.length > 1) {
      await splitInHalves(deps, chunk, requests, apiError);
      return false;
    }
    // A follow-up round carries replies already paid for: refused, it must not start over.
    if (verdict === 'invalid' && chunk.round > 1) {
      await refusedFollowups(deps, chunk, requests.length, apiError);
      return false;
    }
    if (verdict === 'invalid') {
      await updateChunk(deps.pool, chunk.id, { status: 'failed', error: err.message });
      await settlePendingRequests(
        deps.pool,
        chunk.id,
        'failed',
        `batch create refused: ${err.message}`,
      );
    } else if (verdict === 'retry') {
      await updateChunk(deps.pool, chunk.id, { status: 'prepared', error: err.message });
    }
    throw new Error(`creating the batch for chunk ${chunk.id} failed: ${err.message}`, {
      cause: err,
    });
  }
  checkpoint(deps.crashAt, 'after-create');
  await updateChunk(deps.pool, chunk.id, {
    status: 'in_progress',
    anthropic_batch_id: batch.id,
    submitted_at: new Date(),
    request_counts: batch.request_counts,
    error: null,
  });
  deps.logger.info(
    { chunkId: chunk.id, batchId: batch.id, requests: requests.length },
    'message batch created',
  );
  return true;
}

/** The API's refusal as a chunk's `error` (the column is capped). */
const refusal = (err: InstanceType<typeof Anthropic.APIError>) =>
  `batch create refused (${err.status}): ${err.message}`.slice(0, 500);

/**
 * A chunk of more than one request the API refused at create with 413
 * `request_too_large` (nothing was created), in any round: it is split in two
 * halves, both `prepared`, submitted by the next pass at batch price; a half
 * refused again is split again, down to a single request, which is then
 * refused like any other (a first-round one `failed`, a follow-up finished
 * realtime). Nothing in it starts over or is paid twice: a first-round
 * ticket spends none of its tries (a `failed` request is one), a follow-up
 * keeps its journal.
 */
async function splitInHalves(
  deps: BatchDeps,
  chunk: ChunkRow,
  requests: BatchRequest[],
  err: InstanceType<typeof Anthropic.APIError>,
): Promise<void> {
  const size = (rs: BatchRequest[]) => rs.reduce((n, r) => n + requestBytes(r), 0);
  // Half the requests stay, half move (by count: the context every request repeats dominates its size).
  const keep = Math.ceil(requests.length / 2);
  const kept = size(requests.slice(0, keep));
  const total = kept + size(requests.slice(keep));
  const moved = requests.slice(keep).map((r) => r.custom_id);
  const id = await withTransaction(deps.pool, (db) =>
    splitChunk(
      db,
      chunk,
      moved,
      { kept: BODY_ENVELOPE_BYTES + kept, moved: BODY_ENVELOPE_BYTES + total - kept },
      refusal(err),
    ),
  );
  deps.logger.warn(
    {
      chunkId: chunk.id,
      round: chunk.round,
      newChunkId: id,
      kept: keep,
      moved: moved.length,
      err: err.message,
    },
    chunk.round > 1
      ? 'follow-up batch too large for the API: split in two'
      : 'batch too large for the API: split in two',
  );
}

/**
 * A follow-up chunk the API refused outright (400, 422, or 413 for a single
 * request; a larger chunk refused with 413 is split, see splitInHalves:
 * nothing was created). Its requests hold replies already paid for (the first
 * round's, and any later round's), so they are not failed and graded again
 * from round 1 as a refused first-round chunk's are: the chunk is `ended` with
 * no batch, and collecting finishes each request realtime from its journal,
 * as a follow-up entry that errored or went missing is (result type
 * `refused`): its earlier replies replayed and recorded once with the result,
 * only the calls still needed made.
 */
async function refusedFollowups(
  deps: BatchDeps,
  chunk: ChunkRow,
  requests: number,
  err: InstanceType<typeof Anthropic.APIError>,
): Promise<void> {
  const why = refusal(err);
  await updateChunk(deps.pool, chunk.id, { status: 'ended', ended_at: new Date(), error: why });
  deps.logger.warn(
    { chunkId: chunk.id, status: err.status, err: err.message, requests },
    'follow-up batch refused by the API: its requests are finished realtime',
  );
}
