import type { Logger } from 'pino';
import { budgetPaused } from '../budget/control.js';
import type { ContextStore } from '../context/store.js';
import { insertEvents, llmCallEvent } from '../db/events.js';
import { LOCKS, withAdvisoryLock } from '../db/locks.js';
import { type Pool, withTransaction } from '../db/pool.js';
import { insertProposal, lastRefusalCoverage } from '../db/proposals.js';
import type { LlmCall, LlmDeps } from '../llm/call.js';
import { toError } from '../logger.js';
import type { Notifier } from '../notify/index.js';
import type { GradeSettings } from '../qc/grade.js';
import { TRIAGE_FILE } from '../triage/index.js';
import { type Backtest, type NotBacktested, notBacktested, runBacktest } from './backtest.js';
import { type Candidate, candidateEvents, detectRepeats } from './detect.js';
import { gatherEvidence } from './evidence.js';
import { proposeRevision } from './propose.js';
import { type Check, checkRevision } from './rules.js';
import { categoryKind, targetOf } from './target.js';
import { runTriageBacktest } from './triage-backtest.js';

/**
 * One chief-of-staff pass: detect repeated failures, and for each pair ask
 * CHIEF_MODEL for a revision of the responsible file, check it, backtest it
 * when it is a QC file, and store it (pending, or refused with the reason).
 * One pass at a time across every chief process (a session advisory lock).
 */

const CHIEF_AGENT = 'chief-of-staff';

export interface ChiefSettings {
  model: string;
  threshold: number;
  windowMs: number;
  maxTokens: number;
}

export interface ChiefDeps {
  pool: Pool;
  llm: LlmDeps;
  contexts: ContextStore;
  /** The QC grading settings backtests use (the QC model, tier-up rules). */
  settings: GradeSettings;
  chief: ChiefSettings;
  logger: Logger;
  notifier?: Notifier;
  now?: () => Date;
}

export interface PassProposal {
  id: number;
  agent: string;
  category: string;
  file: string;
  status: 'pending' | 'refused';
  reason?: string;
}

export interface PassResult {
  skipped?: 'another pass is running' | 'budget paused';
  candidates: number;
  proposals: PassProposal[];
}

export async function runChiefPass(deps: ChiefDeps, signal?: AbortSignal): Promise<PassResult> {
  const done = await withAdvisoryLock(deps.pool, LOCKS.chiefPass, () => pass(deps, signal), {
    mode: 'try',
  });
  return done ?? { skipped: 'another pass is running', candidates: 0, proposals: [] };
}

async function pass(deps: ChiefDeps, signal?: AbortSignal): Promise<PassResult> {
  if (await budgetPaused(deps.pool)) {
    deps.logger.warn(
      'budget pause is open: the chief of staff makes no model calls until it is resumed',
    );
    return { skipped: 'budget paused', candidates: 0, proposals: [] };
  }
  const now = deps.now?.() ?? new Date();
  const snapshot = await deps.contexts.active();
  const candidates = await detectRepeats(deps.pool, snapshot.vocab, {
    now,
    windowMs: deps.chief.windowMs,
    threshold: deps.chief.threshold,
  });
  const proposals: PassProposal[] = [];
  for (const c of candidates) {
    if (signal?.aborted) break;
    try {
      const p = await proposeFor(deps, c, now, signal);
      if (p) proposals.push(p);
    } catch (err) {
      // One pair failing (API down, a race) must not stop the others; it fires again next pass.
      deps.logger.error(
        { agent: c.agent, category: c.category, err: toError(err).message },
        'chief: could not propose a revision',
      );
    }
  }
  deps.logger.info({ candidates: candidates.length, proposals }, 'chief pass done');
  return { candidates: candidates.length, proposals };
}

/** A refused pair is retried only once a failure newer than the refusal's coverage arrives. */
async function refusedWithNothingNew(deps: ChiefDeps, c: Candidate, newest: Date) {
  const until = await lastRefusalCoverage(deps.pool, c.agent, c.category);
  return until !== undefined && until.getTime() >= newest.getTime();
}

async function proposeFor(
  deps: ChiefDeps,
  c: Candidate,
  now: Date,
  signal?: AbortSignal,
): Promise<PassProposal | undefined> {
  const snapshot = await deps.contexts.active();
  const target = targetOf(snapshot.vocab, c.agent, c.category);
  const base = snapshot.files.get(target.file);
  if (!base) {
    deps.logger.warn({ file: target.file }, 'chief: responsible file has no active version');
    return undefined;
  }
  const events = await candidateEvents(deps.pool, c, now);
  const newest = events.at(-1)?.occurredAt;
  if (!newest || (await refusedWithNothingNew(deps, c, newest))) return undefined;
  const evidence = await gatherEvidence(deps.pool, c, target.file, events, now);
  const kind = categoryKind(snapshot.vocab, c.category);
  const proposed = await proposeRevision(deps.llm, {
    model: deps.chief.model,
    fileContent: base.content,
    evidence,
    kind,
    maxTokens: deps.chief.maxTokens,
    ...(signal ? { signal } : {}),
  });
  const calls: LlmCall[] = [proposed.call];
  const check: Check = proposed.ok
    ? checkRevision({
        file: target.file,
        base: base.content,
        revised: proposed.revision.revised_file,
        activeFiles: new Map([...snapshot.files].map(([f, v]) => [f, v.content])),
        vocab: snapshot.vocab,
      })
    : { ok: false, code: 'invalid_output', reason: proposed.reason };

  let backtest: Backtest | NotBacktested | null = null;
  if (check.ok && target.qc) {
    const bt = await runBacktest({
      db: deps.pool,
      grade: { llm: deps.llm, settings: deps.settings, logger: deps.logger },
      snapshot,
      file: target.file,
      proposed: check.content,
      category: c.category,
      events,
      ...(signal ? { signal } : {}),
    });
    backtest = bt.backtest;
    calls.push(...bt.calls);
  } else if (check.ok && target.file === TRIAGE_FILE) {
    // Issue 15: the triage agent runs live, so its prompt is backtested on the tickets' creation state.
    const bt = await runTriageBacktest({
      db: deps.pool,
      llm: deps.llm,
      model: deps.settings.baseModel,
      snapshot,
      proposed: check.content,
      ticketIds: events.map((e) => e.ticketId),
      ...(signal ? { signal } : {}),
    });
    backtest = bt.backtest;
    calls.push(...bt.calls);
  } else if (check.ok) {
    backtest = notBacktested(c.agent, target.file);
  }

  const status = check.ok ? 'pending' : 'refused';
  const reason = check.ok ? undefined : `${check.code}: ${check.reason}`;
  const costUsd = calls.reduce((s, x) => s + x.costUsd, 0);
  const id = await withTransaction(deps.pool, async (db) => {
    const pid = await insertProposal(db, {
      agent: c.agent,
      category: c.category,
      file: target.file,
      baseVersion: base.version,
      baseSha256: base.sha256,
      proposedContent: check.content ?? null,
      diff: check.diff ?? null,
      rationale: proposed.ok ? proposed.revision.rationale : null,
      answer: proposed.ok ? proposed.revision.answer : null,
      status,
      refusalReason: reason ?? null,
      coveredEventIds: events.map((e) => e.id),
      coveredUntil: newest,
      ticketCount: evidence.ticketCount,
      evidence,
      backtest,
      model: deps.chief.model,
      costUsd,
    });
    await insertEvents(db, [
      ...calls.map((call) => llmCallEvent(CHIEF_AGENT, call, { details: { proposalId: pid } })),
      {
        agent: CHIEF_AGENT,
        kind: 'proposal',
        category: status,
        model: deps.chief.model,
        costUsd: 0,
        details: {
          proposalId: pid,
          agent: c.agent,
          category: c.category,
          file: target.file,
          tickets: evidence.ticketCount,
          failures: events.length,
          ...(reason ? { reason } : {}),
          ...(backtest?.kind === 'regrade' ? { backtest: backtest.summary } : {}),
        },
      },
    ]);
    return pid;
  });
  deps.logger.info(
    { proposalId: id, agent: c.agent, category: c.category, file: target.file, status, reason },
    status === 'pending' ? 'chief: proposal stored' : 'chief: proposal refused',
  );
  if (status === 'pending') {
    await deps.notifier?.proposal({
      id,
      agent: c.agent,
      category: c.category,
      file: target.file,
      tickets: evidence.ticketCount,
      failures: events.length,
      answer: proposed.ok ? proposed.revision.answer : undefined,
      backtest: backtest?.kind === 'regrade' ? backtest.summary : undefined,
    });
  }
  return {
    id,
    agent: c.agent,
    category: c.category,
    file: target.file,
    status,
    ...(reason ? { reason } : {}),
  };
}
