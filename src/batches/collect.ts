import Anthropic from '@anthropic-ai/sdk';
import {
  type ChunkRow,
  type EntryChecks,
  entryChecksOf,
  getRun,
  pendingRequestCount,
  type RequestRef,
  type RunRow,
  requestRefsOf,
  updateChunk,
} from '../db/batches.js';
import { contextOfRun } from './context.js';
import { checkpoint } from './crash.js';
import type { BatchDeps } from './deps.js';
import { type IngestOutcome, type IngestScope, ingestEntry, requeue } from './ingest.js';

export type Tally = Record<IngestOutcome | 'unknown', number>;

/**
 * Asks the API how a submitted batch is doing; marks it `ended` when it is.
 * Like every API call here, retried by the client (src/llm/retry.ts).
 */
export async function pollChunk(deps: BatchDeps, chunk: ChunkRow): Promise<boolean> {
  const id = chunk.anthropic_batch_id as string;
  const b = await deps.anthropic.messages.batches.retrieve(id);
  const ended = b.processing_status === 'ended';
  await updateChunk(deps.pool, chunk.id, {
    request_counts: b.request_counts,
    ...(ended ? { status: 'ended', ended_at: new Date(b.ended_at ?? Date.now()) } : {}),
  });
  return ended;
}

/**
 * Runs `fn` over the items with at most `limit` in flight. On the first
 * error it starts nothing new, lets the ones in flight settle, then throws:
 * what is stored afterwards is what a kill at that moment would leave.
 */
async function eachLimit<T>(
  items: AsyncIterable<T> | Iterable<T>,
  limit: number,
  fn: (x: T) => Promise<void>,
) {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const p = fn(item)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => running.delete(p));
    running.add(p);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}

/** Entries whose stored results are read in one statement (see `checked`). */
const INGEST_PAGE = 100;

/**
 * Hands the items on with their entries' checks, read a page at a time (one
 * statement per page instead of two per entry). The page is read when its
 * first item is wanted, so the checks are as fresh as the page is short, and
 * only a page of items (their results, never their journals) is held.
 */
async function* checked<T>(
  items: AsyncIterable<T> | Iterable<T>,
  size: number,
  requestOf: (x: T) => RequestRef | undefined,
  lookup: (ticketIds: number[]) => Promise<Map<number, EntryChecks>>,
): AsyncGenerator<{ item: T; checks: (ticketId: number) => EntryChecks }> {
  let page: T[] = [];
  async function* flush() {
    const full = page;
    page = [];
    const ids = full.flatMap((x) => {
      const req = requestOf(x);
      return req && req.state === 'pending' ? [req.ticket_id] : [];
    });
    const found = await lookup(ids);
    const checks = (ticketId: number) => {
      const c = found.get(ticketId);
      if (!c) throw new Error(`no checks read for ticket ${ticketId}`);
      return c;
    };
    for (const item of full) yield { item, checks };
  }
  for await (const item of items) {
    page.push(item);
    if (page.length >= size) yield* flush();
  }
  if (page.length > 0) yield* flush();
}

/**
 * Ingests an ended batch's results (streamed JSONL) through the realtime
 * grading path; what needs another model call is journaled for the next
 * round (./followup.ts). Idempotent: entries already graded or requeued are skipped,
 * so a rerun after a crash picks up where the last one stopped. Entries the
 * results never mention are requeued. The chunk is `collected` only when
 * every request reached an end state.
 */
export async function collectChunk(deps: BatchDeps, chunk: ChunkRow): Promise<Tally> {
  const run = (await getRun(deps.pool, chunk.run_id)) as RunRow;
  const scope: IngestScope = {
    deps,
    ctx: await contextOfRun(deps.pool, run),
    model: run.model,
    runId: run.id,
  };
  // Journals stay in the database until their entry is read (ingestEntry): a chunk of follow-ups
  // holds up to ~50 kB a request.
  const requests = new Map((await requestRefsOf(deps.pool, chunk.id)).map((r) => [r.custom_id, r]));
  const tally: Tally = {
    graded: 0,
    requeued: 0,
    failed: 0,
    retry: 0,
    followup: 0,
    superseded: 0,
    unknown: 0,
  };
  const seen = new Set<string>();
  let done = 0;
  const page = deps.ingestPage ?? INGEST_PAGE;
  const lookup = (ids: number[]) => entryChecksOf(deps.pool, ids, scope.ctx.version);

  let results: AsyncIterable<Anthropic.Messages.Batches.MessageBatchIndividualResponse> =
    (async function* () {})();
  // No batch: a follow-up round the API refused at create (submit.ts); its entries have no result.
  const gone = chunk.anthropic_batch_id === null ? 'refused' : 'missing';
  if (chunk.anthropic_batch_id !== null) {
    try {
      results = await deps.anthropic.messages.batches.results(chunk.anthropic_batch_id);
    } catch (err) {
      // Results are kept 29 days; past that, every unfinished entry goes to the realtime queue.
      if (!(err instanceof Anthropic.NotFoundError)) throw err;
      deps.logger.warn({ chunkId: chunk.id }, 'batch results are gone; requeueing its entries');
    }
  }
  const entries = checked(results, page, (e) => requests.get(e.custom_id), lookup);
  await eachLimit(entries, deps.ingestConcurrency, async ({ item: entry, checks }) => {
    seen.add(entry.custom_id);
    const req = requests.get(entry.custom_id);
    if (!req) {
      tally.unknown++;
      deps.logger.warn(
        { chunkId: chunk.id, customId: entry.custom_id },
        'result for an unknown custom_id',
      );
      return;
    }
    if (req.state !== 'pending') return;
    tally[await ingestEntry(scope, req, entry.result, checks(req.ticket_id))]++;
    checkpoint(deps.crashAt, 'mid-results', ++done);
  });

  const missing = [...requests.values()].filter(
    (r) => r.state === 'pending' && !seen.has(r.custom_id),
  );
  // A follow-up's earlier replies are paid for: it is finished realtime, not graded again from scratch
  // (as many at a time as results are: a refused chunk may hold thousands).
  // Only a follow-up is checked: a first-round entry without a result is requeued as it is.
  const unanswered = checked(missing, page, (r) => (r.round > 1 ? r : undefined), lookup);
  await eachLimit(unanswered, deps.ingestConcurrency, async ({ item: r, checks }) => {
    tally[
      await (r.round > 1
        ? ingestEntry(scope, r, { type: gone }, checks(r.ticket_id))
        : requeue(scope, r, gone))
    ]++;
  });

  if ((await pendingRequestCount(deps.pool, chunk.id)) === 0) {
    await updateChunk(deps.pool, chunk.id, { status: 'collected', collected_at: new Date() });
  }
  deps.logger.info({ chunkId: chunk.id, ...tally }, 'batch results ingested');
  return tally;
}
