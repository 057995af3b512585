import type Anthropic from '@anthropic-ai/sdk';
import { type ChunkRow, claimedBatchIds, customIdsOf, updateChunk } from '../db/batches.js';
import type { BatchDeps } from './deps.js';

type MessageBatch = Anthropic.Messages.Batches.MessageBatch;

/** Tolerated difference between our clock and the API's when matching created_at. */
const CLOCK_SKEW_MS = 5 * 60_000;

const totalOf = (b: MessageBatch) =>
  Object.values(b.request_counts).reduce((s, n) => s + (typeof n === 'number' ? n : 0), 0);

/** The first custom_id in an ended batch's results: proof of whose batch it is. */
async function firstCustomId(deps: BatchDeps, id: string): Promise<string | undefined> {
  for await (const entry of await deps.anthropic.messages.batches.results(id))
    return entry.custom_id;
  return undefined;
}

/**
 * Settles a chunk left `submitting` by a crash or an ambiguous error: was its
 * batch created? messages.batches.list (newest first) is searched for batches
 * created since the attempt (less clock skew) that no chunk claims and whose
 * request count matches. One match is adopted. None, once the create call can
 * no longer be in flight, means nothing was created: the chunk goes back to
 * `prepared` and is submitted again. Several are told apart by a custom_id
 * in their results once they end; until then the chunk waits.
 */
export async function reconcileSubmitting(deps: BatchDeps, chunk: ChunkRow): Promise<string> {
  const startedAt = chunk.submit_started_at?.getTime() ?? 0;
  const found: MessageBatch[] = [];
  for await (const b of deps.anthropic.messages.batches.list({ limit: 100 })) {
    if (Date.parse(b.created_at) < startedAt - CLOCK_SKEW_MS) break;
    if (totalOf(b) === chunk.request_count) found.push(b);
  }
  const claimed = await claimedBatchIds(
    deps.pool,
    found.map((b) => b.id),
  );
  let candidates = found.filter((b) => !claimed.has(b.id));

  if (candidates.length > 1) {
    const ours = await customIdsOf(deps.pool, chunk.id);
    const proven: MessageBatch[] = [];
    for (const b of candidates) {
      if (b.processing_status !== 'ended') continue;
      const first = await firstCustomId(deps, b.id);
      if (first && ours.has(first)) proven.push(b);
    }
    if (proven.length !== 1) {
      deps.logger.warn(
        { chunkId: chunk.id, candidates: candidates.map((b) => b.id) },
        'several unclaimed batches match a chunk whose create outcome is unknown; waiting for them to end',
      );
      return 'ambiguous';
    }
    candidates = proven;
  }

  const match = candidates[0];
  if (match) {
    await updateChunk(deps.pool, chunk.id, {
      status: 'in_progress',
      anthropic_batch_id: match.id,
      submitted_at: new Date(match.created_at),
      request_counts: match.request_counts,
      error: null,
    });
    deps.logger.warn(
      { chunkId: chunk.id, batchId: match.id },
      'adopted a batch created before a crash (its id had not been stored)',
    );
    return 'adopted';
  }
  if (Date.now() - startedAt < deps.submitGraceMs) return 'waiting';
  await updateChunk(deps.pool, chunk.id, {
    status: 'prepared',
    error: 'create outcome unknown and no such batch exists: resubmitting',
  });
  deps.logger.warn({ chunkId: chunk.id }, 'no batch was created for a chunk; it will be submitted');
  return 'not-created';
}
