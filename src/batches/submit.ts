import Anthropic from '@anthropic-ai/sdk';
import {
  type ChunkRow,
  getRun,
  type RunRow,
  requestsOf,
  settlePendingRequests,
  updateChunk,
} from '../db/batches.js';
import { ticketsById } from '../db/tickets.js';
import { toError } from '../logger.js';
import { qcContextOf } from '../qc/context.js';
import { contextOfRun } from './context.js';
import { checkpoint } from './crash.js';
import type { BatchDeps } from './deps.js';
import { batchRequest, sharedParams } from './params.js';
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
 */
export async function submitChunk(deps: BatchDeps, chunk: ChunkRow): Promise<void> {
  const run = (await getRun(deps.pool, chunk.run_id)) as RunRow;
  const active = qcContextOf(await deps.contexts.active());
  // A follow-up round finishes grading already paid for under the run's context: it is always sent.
  if (chunk.round === 1 && active.version !== run.context_version) {
    // Results for a superseded context would be stale on arrival: the next run reselects these tickets.
    return abandon(deps, chunk, 'the QC context changed before this chunk was submitted');
  }
  const ctx = await contextOfRun(deps.pool, run);
  const rows = await requestsOf(deps.pool, chunk.id);
  const tickets = await ticketsById(
    deps.pool,
    rows.filter((r) => r.round === 1).map((r) => r.ticket_id),
  );
  const shared = sharedParams(ctx, run.model, deps.settings.maxTokens);
  const requests = rows.flatMap((r) => {
    if (r.round > 1) return [followupRequest(r.custom_id, r.journal)];
    const t = tickets.get(r.ticket_id);
    return t ? [batchRequest(shared, r.custom_id, t)] : [];
  });
  if (requests.length !== rows.length) {
    return abandon(deps, chunk, 'tickets of this chunk were deleted before submit');
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
}
