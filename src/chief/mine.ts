import { budgetPaused } from '../budget/control.js';
import { insertEvents, llmCallEvent } from '../db/events.js';
import { LOCKS, withAdvisoryLock } from '../db/locks.js';
import {
  coveredTicketsOf,
  finishMiningRun,
  historyTickets,
  historyTicketsById,
  insertMiningRun,
  openMiningRun,
} from '../db/patterns.js';
import { COVERING } from '../decisions/lifecycle.js';
import type { LlmCall } from '../llm/call.js';
import { qcContextOf } from '../qc/context.js';
import {
  type ChunkAnswer,
  chunkErrors,
  collectMiningBatch,
  mineRealtime,
  submitMiningBatch,
} from './mine-calls.js';
import { EVENT_AGENT, FILE, MINER_AGENT, type MineDeps } from './mine-deps.js';
import { estimateMining, type MineEstimate } from './mine-estimate.js';
import { mergeChunks } from './mine-merge.js';
import { citeIds, mineRequest } from './mine-prompt.js';
import { propose } from './mine-propose.js';

/**
 * `ticket-qc patterns mine` (issue 11 point 6): read historical tickets in
 * chunks, ask CHIEF_MODEL for the recurring problems in each (Message Batches
 * by default), merge them, and propose the additions and edits to
 * context/patterns.md as an ordinary proposal — through the chief's checks
 * (rules.ts: the file still loads, no id in use is dropped; new pattern ids
 * are the one thing this path may add), backtested like any proposal, and
 * offered only when the backtest fixes a cited ticket and regresses no
 * control (the lifecycle's "only proposals that help").
 *
 * A mined ticket is fixed when the grader, given the proposed file, names the
 * pattern it was cited for; controls must keep their outcome.
 */

export interface MineOptions {
  since?: Date | undefined;
  limit: number;
  via: 'batches' | 'realtime';
  dryRun?: boolean;
  trigger?: string;
  /**
   * Wait for a submitted batch to end (the CLI). The scheduled job does not:
   * it submits, and the batch poller collects the run once the batch ended.
   */
  wait?: boolean;
  /** Only collect a submitted run (the batch poller); select nothing new. */
  resumeOnly?: boolean;
}

export interface MineResult {
  skipped?: string;
  estimate?: MineEstimate;
  runId?: number;
  resumed?: boolean;
  /** A batch is processing; a later run (or the batch poller) collects it. */
  waiting?: string;
  tickets: number;
  chunks: number;
  patterns: Array<{ id: string; existing: boolean; tickets: string[] }>;
  proposal?: { id: number; status: string; reason?: string };
  costUsd: number;
  errors: string[];
}

function chunksOf<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function minePatterns(
  deps: MineDeps,
  opts: MineOptions,
  signal?: AbortSignal,
): Promise<MineResult> {
  if (opts.dryRun) return mine(deps, opts, signal);
  const r = await withAdvisoryLock(deps.pool, LOCKS.patternsMine, () => mine(deps, opts, signal), {
    mode: 'try',
  });
  return (
    r ?? {
      skipped: 'another mining run is in progress',
      tickets: 0,
      chunks: 0,
      patterns: [],
      costUsd: 0,
      errors: [],
    }
  );
}

async function mine(deps: MineDeps, opts: MineOptions, signal?: AbortSignal): Promise<MineResult> {
  const empty = { tickets: 0, chunks: 0, patterns: [], costUsd: 0, errors: [] };
  const open = !opts.dryRun ? await openMiningRun(deps.pool) : undefined;
  if (opts.resumeOnly && !open) return { ...empty, skipped: 'no mining batch in flight' };
  const snapshot = await deps.contexts.active();
  const base = snapshot.files.get(FILE);
  if (!base) throw new Error(`context/${FILE} has no active version`);
  const { mine } = deps;

  const via = open?.via ?? opts.via;
  const history = open
    ? await historyTicketsById(deps.pool, open.ticketIds)
    : await historyTickets(deps.pool, {
        statuses: mine.statuses,
        since: opts.since,
        limit: opts.limit,
      });
  const cites = citeIds(history);
  const all = [...cites.entries()];
  const chunks = chunksOf(all, mine.chunkSize);
  if (opts.dryRun) {
    const estimate = estimateMining({
      tickets: all,
      chunkSize: mine.chunkSize,
      patternsMd: base.content,
      qcPrefixTokens: qcContextOf(snapshot).prefixTokens,
      prices: deps.llm.prices,
      model: mine.model,
      qcModel: deps.settings.baseModel,
    });
    return { ...empty, estimate, tickets: all.length, chunks: chunks.length };
  }
  if (all.length === 0) return { ...empty, skipped: 'no historical tickets match' };
  if (await budgetPaused(deps.pool)) return { ...empty, skipped: 'budget paused' };

  const model = open?.model ?? mine.model;
  const requests = chunks.map((c) => mineRequest(base.content, c, model, mine.maxTokens));
  const run =
    open ??
    (await insertMiningRun(deps.pool, {
      via,
      trigger: opts.trigger ?? 'cli',
      model,
      since: opts.since,
      maxTickets: opts.limit,
      ticketIds: history.map((t) => t.id),
      chunks: chunks.length,
    }));
  const callDeps = { ...deps, pollMs: mine.pollMs };
  let answers: ChunkAnswer[];
  let calls: LlmCall[];
  try {
    if (via === 'realtime') ({ answers, calls } = await mineRealtime(callDeps, requests, signal));
    else {
      const batchId = run.batchId ?? (await submitMiningBatch(callDeps, run.id, requests));
      const got = await collectMiningBatch(callDeps, run.id, batchId, model, {
        wait: opts.wait ?? true,
        signal,
      });
      if (!got)
        return {
          ...empty,
          runId: run.id,
          resumed: Boolean(open),
          waiting: batchId,
          tickets: all.length,
          chunks: chunks.length,
        };
      ({ answers, calls } = got);
    }
  } catch (err) {
    // A submitted batch stays `submitted`: the next run collects it instead of paying again.
    if (via === 'realtime')
      await finishMiningRun(deps.pool, run.id, {
        status: 'failed',
        costUsd: 0,
        note: (err as Error).message,
      });
    throw err;
  }
  const errors = chunkErrors(answers);
  const costUsd = calls.reduce((s, c) => s + c.costUsd, 0);
  const chunkCites = chunks.map((c) => new Map(c));
  const merged = mergeChunks(
    answers.map((a) => ({ mined: a.mined, cites: chunkCites[a.index] ?? new Map() })),
    {
      knownIds: snapshot.vocab.patterns.map((p) => p.id),
      criteria: snapshot.vocab.criteria.map((c) => c.id),
      minTickets: mine.minTickets,
      max: mine.maxPatterns,
      covered: await coveredTicketsOf(deps.pool, MINER_AGENT, COVERING),
    },
  );
  const result: MineResult = {
    runId: run.id,
    resumed: Boolean(open),
    tickets: all.length,
    chunks: chunks.length,
    patterns: merged.map((p) => ({
      id: p.id,
      existing: p.existing,
      tickets: p.tickets.map((t) => t.cite),
    })),
    costUsd,
    errors,
  };
  if (answers.length > 0 && errors.length === answers.length) {
    await recordCalls(deps, calls, run.id);
    await finishMiningRun(deps.pool, run.id, {
      status: 'failed',
      costUsd,
      note: errors.join('; '),
    });
    return result;
  }
  if (merged.length === 0) {
    await recordCalls(deps, calls, run.id);
    await finishMiningRun(deps.pool, run.id, {
      status: 'nothing',
      costUsd,
      note: `no problem recurred on ${mine.minTickets} or more tickets not cited by an earlier proposal`,
    });
    return result;
  }
  const proposal = await propose(
    deps,
    { merged, calls, runId: run.id, scanned: all.length, base },
    signal,
  );
  result.proposal = proposal;
  result.costUsd = proposal.costUsd;
  return result;
}

async function recordCalls(deps: MineDeps, calls: LlmCall[], runId: number) {
  if (calls.length === 0) return;
  await insertEvents(
    deps.pool,
    calls.map((c) => llmCallEvent(EVENT_AGENT, c, { details: { miningRunId: runId } })),
  );
}
