import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import { budgetPaused } from '../budget/control.js';
import type { ContextStore } from '../context/store.js';
import { insertEvents, llmCallEvent } from '../db/events.js';
import { LOCKS, withAdvisoryLock } from '../db/locks.js';
import {
  coveredTicketsOf,
  finishMiningRun,
  type HistoryTicket,
  historyTickets,
  historyTicketsById,
  insertMiningRun,
  openMiningRun,
} from '../db/patterns.js';
import { type Pool, withTransaction } from '../db/pool.js';
import { insertProposal } from '../db/proposals.js';
import { COVERING } from '../decisions/lifecycle.js';
import type { LlmCall, LlmDeps } from '../llm/call.js';
import type { Notifier } from '../notify/index.js';
import { qcContextOf } from '../qc/context.js';
import type { GradeSettings } from '../qc/grade.js';
import { runBacktest } from './backtest.js';
import type { CandidateEvent } from './detect.js';
import type { Evidence } from './evidence.js';
import {
  type ChunkAnswer,
  chunkErrors,
  collectMiningBatch,
  mineRealtime,
  submitMiningBatch,
} from './mine-calls.js';
import { estimateMining, type MineEstimate } from './mine-estimate.js';
import { type MergedPattern, mergeChunks, revisePatternsFile } from './mine-merge.js';
import { citeIds, mineRequest } from './mine-prompt.js';
import { checkRevision } from './rules.js';
import { strengthOf } from './strength.js';

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

export const MINER_AGENT = 'pattern-miner';
export const MINED_CATEGORY = 'mined_patterns';
const FILE = 'patterns.md';
const EVENT_AGENT = 'chief-of-staff';

export interface MineSettings {
  model: string;
  chunkSize: number;
  maxTokens: number;
  /** A problem becomes a pattern when seen on at least this many distinct tickets. */
  minTickets: number;
  /** At most this many patterns added or edited per proposal. */
  maxPatterns: number;
  minFixed: number;
  maxRegressed: number;
  /** Help-desk statuses read as history (closed work). */
  statuses: string[];
  pollMs: number;
}

export interface MineDeps {
  pool: Pool;
  llm: LlmDeps;
  anthropic: Anthropic;
  contexts: ContextStore;
  settings: GradeSettings;
  mine: MineSettings;
  logger: Logger;
  notifier?: Notifier | undefined;
  now?: () => Date;
}

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

/** Mined tickets as the backtest's triggers: each fixed when the grader names its pattern. */
function minedEvents(merged: MergedPattern[]): CandidateEvent[] {
  return merged.flatMap((p) =>
    p.tickets.map((t) => ({
      id: 0,
      ticketId: t.ticket.id,
      ticketKey: `${t.ticket.source} ${t.ticket.externalId}`,
      occurredAt: new Date(t.ticket.ticket.updatedAt),
      details: { kind: 'mined_pattern', pattern: p.id, note: `pattern \`${p.id}\`: ${p.title}` },
    })),
  );
}

function evidenceOf(
  merged: MergedPattern[],
  events: CandidateEvent[],
  scanned: number,
): Evidence & {
  patterns: unknown[];
  scanned: number;
} {
  const times = events.map((e) => e.occurredAt.getTime());
  const byTicket = new Map<number, { t: HistoryTicket; notes: string[] }>();
  for (const p of merged)
    for (const { ticket } of p.tickets) {
      const x = byTicket.get(ticket.id) ?? { t: ticket, notes: [] };
      x.notes.push(`pattern \`${p.id}\`: ${p.title}`);
      byTicket.set(ticket.id, x);
    }
  return {
    agent: MINER_AGENT,
    category: MINED_CATEGORY,
    file: FILE,
    window: {
      from: new Date(Math.min(...times)).toISOString(),
      to: new Date(Math.max(...times)).toISOString(),
    },
    failureCount: byTicket.size,
    ticketCount: byTicket.size,
    tickets: [...byTicket.values()].slice(0, 20).map(({ t, notes }) => ({
      ticketId: t.id,
      externalId: t.externalId,
      subject: t.ticket.subject,
      excerpt: t.ticket.description.slice(0, 300),
      failures: notes.map((note) => ({ eventId: 0, kind: 'mined_pattern', note })),
    })),
    scanned,
    patterns: merged.map((p) => ({
      id: p.id,
      existing: p.existing,
      title: p.title,
      description: p.description,
      symptoms: p.symptoms,
      fix: p.fix,
      tickets: p.tickets.map((t) => t.cite),
    })),
  };
}

async function propose(
  deps: MineDeps,
  args: {
    merged: MergedPattern[];
    calls: LlmCall[];
    runId: number;
    scanned: number;
    base: { version: number; sha256: string; content: string };
  },
  signal?: AbortSignal,
): Promise<{ id: number; status: string; reason?: string; costUsd: number }> {
  const { merged, base } = args;
  const now = deps.now?.() ?? new Date();
  const snapshot = await deps.contexts.active();
  const revised = revisePatternsFile(
    base.content,
    merged,
    args.scanned,
    now.toISOString().slice(0, 10),
  );
  const check = checkRevision({
    file: FILE,
    base: base.content,
    revised,
    activeFiles: new Map([...snapshot.files].map(([f, v]) => [f, v.content])),
    vocab: snapshot.vocab,
    mayAdd: ['pattern'],
  });
  const events = minedEvents(merged);
  const calls = [...args.calls];
  let backtest = null;
  if (check.ok) {
    const bt = await runBacktest({
      db: deps.pool,
      grade: { llm: deps.llm, settings: deps.settings, logger: deps.logger },
      snapshot,
      file: FILE,
      proposed: check.content,
      category: MINED_CATEGORY,
      events,
      ...(signal ? { signal } : {}),
    });
    backtest = bt.backtest;
    calls.push(...bt.calls);
  }
  let status: 'pending' | 'refused' | 'no_improvement';
  let reason: string | undefined;
  if (!check.ok) {
    status = 'refused';
    reason = `${check.code}: ${check.reason}`;
  } else if (backtest) {
    const fixed = backtest.tickets.filter((t) => t.role === 'trigger' && t.status === 'fixed');
    const regressed = backtest.summary.regressed;
    if (backtest.summary.errors === backtest.tickets.length) {
      status = 'no_improvement';
      reason = `no_improvement: the backtest could not grade any ticket (${backtest.tickets[0]?.error ?? 'unknown error'})`;
    } else if (fixed.length < deps.mine.minFixed || regressed > deps.mine.maxRegressed) {
      status = 'no_improvement';
      reason =
        `no_improvement: the backtest fixed ${fixed.length} cited ticket(s) (at least ${deps.mine.minFixed} needed) ` +
        `and regressed ${regressed} (at most ${deps.mine.maxRegressed} allowed)`;
    } else status = 'pending';
  } else status = 'pending';
  const involves = { kind: 'pattern', id: merged.map((p) => p.id).join(', ') };
  const strength = strengthOf({ events, involves, unadjudicated: 0, backtest });
  const costUsd = calls.reduce((s, c) => s + c.costUsd, 0);
  const evidence = evidenceOf(merged, events, args.scanned);
  const added = merged.filter((p) => !p.existing).map((p) => `\`${p.id}\``);
  const edited = merged.filter((p) => p.existing).map((p) => `\`${p.id}\``);
  const rationale =
    `Mined ${args.scanned} historical tickets: ${merged.length} problem(s) recurred on ${deps.mine.minTickets}+ tickets. ` +
    (added.length ? `New: ${added.join(', ')}. ` : '') +
    (edited.length ? `Known, with new examples: ${edited.join(', ')}. ` : '') +
    merged.map((p) => `${p.id} ← ${p.tickets.map((t) => t.cite).join(', ')}`).join('; ');
  const keys = [...new Set(events.map((e) => e.ticketKey ?? String(e.ticketId)))];
  const id = await withTransaction(deps.pool, async (db) => {
    const pid = await insertProposal(db, {
      agent: MINER_AGENT,
      category: MINED_CATEGORY,
      file: FILE,
      baseVersion: base.version,
      baseSha256: base.sha256,
      proposedContent: check.content ?? null,
      diff: check.diff ?? null,
      rationale,
      answer: 'more_context',
      status,
      refusalReason: reason ?? null,
      coveredEventIds: [],
      coveredTickets: keys,
      coveredUntil: now,
      ticketCount: keys.length,
      evidence,
      backtest,
      strength,
      model: deps.mine.model,
      costUsd,
    });
    await insertEvents(db, [
      ...calls.map((c) =>
        llmCallEvent(EVENT_AGENT, c, { details: { proposalId: pid, miningRunId: args.runId } }),
      ),
      {
        agent: EVENT_AGENT,
        kind: 'proposal',
        category: status,
        model: deps.mine.model,
        costUsd: 0,
        details: {
          proposalId: pid,
          agent: MINER_AGENT,
          category: MINED_CATEGORY,
          file: FILE,
          tickets: keys.length,
          patterns: merged.map((p) => p.id),
          ...(reason ? { reason } : {}),
          ...(backtest ? { backtest: backtest.summary } : {}),
        },
      },
    ]);
    return pid;
  });
  await finishMiningRun(deps.pool, args.runId, {
    status: 'proposed',
    proposalId: id,
    costUsd,
    note: reason ?? 'offered for review',
  });
  deps.logger.info(
    { proposalId: id, status, reason, patterns: merged.map((p) => p.id) },
    'patterns: proposal stored',
  );
  if (status === 'pending') {
    await deps.notifier?.proposal({
      id,
      agent: MINER_AGENT,
      category: MINED_CATEGORY,
      file: FILE,
      tickets: keys.length,
      failures: events.length,
      answer: 'more_context',
      backtest: backtest?.summary,
      why: strength.why,
    });
  }
  return { id, status, ...(reason ? { reason } : {}), costUsd };
}
