import type { Logger } from 'pino';
import { budgetPaused } from '../budget/control.js';
import type { ContextStore } from '../context/store.js';
import { insertEvents, llmCallEvent } from '../db/events.js';
import { adjudicated } from '../db/failures.js';
import { LOCKS, withAdvisoryLock } from '../db/locks.js';
import { insertNotice, type NoticeCandidate } from '../db/notices.js';
import { type Pool, withTransaction } from '../db/pool.js';
import { insertProposal, lastRefusalCoverage } from '../db/proposals.js';
import type { LlmCall, LlmDeps } from '../llm/call.js';
import { toError } from '../logger.js';
import type { Notifier } from '../notify/index.js';
import type { GradeSettings } from '../qc/grade.js';
import { TRIAGE_FILE } from '../triage/index.js';
import { type Backtest, type NotBacktested, notBacktested, runBacktest } from './backtest.js';
import {
  type Candidate,
  type CandidateEvent,
  candidateEvents,
  detectOperational,
  detectRepeats,
} from './detect.js';
import { gatherEvidence } from './evidence.js';
import { proposeRevision } from './propose.js';
import { type Check, checkRevision } from './rules.js';
import { strengthOf } from './strength.js';
import { categoryKind, targetOf } from './target.js';
import { runTriageBacktest } from './triage-backtest.js';

/**
 * One chief-of-staff pass:
 * 1. operational failures (invalid output, API faults, timeouts, budget
 *    stops) that repeated become an operator notice — never a proposal;
 * 2. repeated context failures, strongest evidence first: shadow
 *    disagreements count only where a lead's override or a gold label says
 *    which side was right; CHIEF_MODEL is asked for a revision (or says
 *    not_a_context_problem), the revision is checked and backtested;
 * 3. only a revision whose backtest fixes ≥ minFixed cited tickets and
 *    regresses ≤ maxRegressed is offered (pending); others are recorded as
 *    no_improvement with their evidence. At most maxProposals are offered per
 *    pass; the rest wait for the next one.
 * One pass at a time across every chief process (a session advisory lock).
 */

const CHIEF_AGENT = 'chief-of-staff';

export interface ChiefSettings {
  model: string;
  threshold: number;
  windowMs: number;
  maxTokens: number;
  /** Offered only when the backtest fixes at least this many cited tickets… */
  minFixed?: number;
  /** …and regresses at most this many of the tickets it re-grades. */
  maxRegressed?: number;
  /** At most this many proposals offered (pending) per pass. */
  maxProposals?: number;
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

export type StoredStatus = 'pending' | 'refused' | 'no_improvement' | 'not_a_context_problem';

export interface PassProposal {
  id: number;
  agent: string;
  category: string;
  file: string;
  status: StoredStatus;
  reason?: string;
}

export interface PassNotice {
  id: number;
  agent: string;
  category: string;
  tickets: number;
}

export interface PassResult {
  skipped?: 'another pass is running' | 'budget paused';
  candidates: number;
  proposals: PassProposal[];
  /** Operator notices written this pass (operational failures). */
  notices?: PassNotice[];
  /** Pairs that fell below the threshold once unsettled shadow disagreements were left out. */
  unsettled?: string[];
  /** Pairs left for the next pass: this one reached maxProposals. */
  deferred?: number;
  /** Pairs whose model calls failed (nothing was stored for them). */
  errors?: string[];
}

export async function runChiefPass(deps: ChiefDeps, signal?: AbortSignal): Promise<PassResult> {
  const done = await withAdvisoryLock(deps.pool, LOCKS.chiefPass, () => pass(deps, signal), {
    mode: 'try',
  });
  return done ?? { skipped: 'another pass is running', candidates: 0, proposals: [] };
}

const DEFAULTS = { minFixed: 1, maxRegressed: 0, maxProposals: 3 };

/** The evidence a proposal may rest on, and the tickets left out. */
interface Qualified {
  candidate: Candidate;
  events: CandidateEvent[];
  tickets: number;
  unadjudicated: number;
  /** Before a backtest: adjudicated tickets weigh most. */
  weight: number;
}

/**
 * Shadow disagreements are evidence only where an override or a gold label
 * settled the criterion, and only when it says the cheap model was wrong;
 * the settled answer becomes the backtest's reference (`expected`).
 */
async function qualify(deps: ChiefDeps, c: Candidate, now: Date): Promise<Qualified> {
  const all = await candidateEvents(deps.pool, c, now);
  const shadows = all.filter((e) => e.details.kind === 'shadow_disagreement');
  let events = all;
  let unadjudicated = 0;
  if (shadows.length > 0) {
    const settled = await adjudicated(deps.pool, c.category, [
      ...new Set(shadows.map((e) => e.ticketKey ?? '')),
    ]);
    events = [];
    for (const e of all) {
      if (e.details.kind !== 'shadow_disagreement') {
        events.push(e);
        continue;
      }
      const s = settled.get(e.ticketKey ?? '');
      if (s && s.expected !== e.details.base) {
        events.push({ ...e, details: { ...e.details, expected: s.expected, settledBy: s.source } });
      } else unadjudicated++;
    }
  }
  const keys = new Set(events.map((e) => e.ticketKey ?? String(e.ticketId)));
  const confirmed = new Set(
    events
      .filter((e) => e.details.kind === 'override' || e.details.settledBy)
      .map((e) => e.ticketKey ?? String(e.ticketId)),
  );
  return {
    candidate: c,
    events,
    tickets: keys.size,
    unadjudicated,
    weight: keys.size + confirmed.size,
  };
}

async function noticeFor(deps: ChiefDeps, n: NoticeCandidate): Promise<PassNotice> {
  const details = {
    note: `${n.failures} ${n.category} failures on ${n.tickets} tickets: an operational problem (the model API, its answers, timeouts or the budget), not something a context revision fixes`,
  };
  const id = await withTransaction(deps.pool, async (db) => {
    const nid = await insertNotice(db, { ...n, details });
    await insertEvents(db, [
      {
        agent: CHIEF_AGENT,
        kind: 'proposal',
        category: 'operator_notice',
        costUsd: 0,
        details: { noticeId: nid, agent: n.agent, category: n.category, tickets: n.tickets },
      },
    ]);
    return nid;
  });
  deps.logger.warn(
    { noticeId: id, agent: n.agent, category: n.category, tickets: n.tickets },
    'chief: operational failures repeated; operator notice written',
  );
  await deps.notifier?.operational?.({
    id,
    agent: n.agent,
    category: n.category,
    tickets: n.tickets,
    failures: n.failures,
  });
  return { id, agent: n.agent, category: n.category, tickets: n.tickets };
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
  const detect = {
    now,
    windowMs: deps.chief.windowMs,
    threshold: deps.chief.threshold,
  };
  const notices: PassNotice[] = [];
  for (const n of await detectOperational(deps.pool, snapshot.vocab, detect)) {
    notices.push(await noticeFor(deps, n));
  }
  const candidates = await detectRepeats(deps.pool, snapshot.vocab, detect);
  const unsettled: string[] = [];
  const qualified: Qualified[] = [];
  for (const c of candidates) {
    const q = await qualify(deps, c, now);
    if (q.tickets >= deps.chief.threshold) qualified.push(q);
    else unsettled.push(`${c.agent}/${c.category}`);
  }
  // The largest expected improvement first: settled evidence on the most tickets.
  qualified.sort((a, b) => b.weight - a.weight || b.tickets - a.tickets);
  const max = deps.chief.maxProposals ?? DEFAULTS.maxProposals;
  const proposals: PassProposal[] = [];
  const errors: string[] = [];
  let deferred = 0;
  for (const q of qualified) {
    if (signal?.aborted) break;
    if (proposals.filter((p) => p.status === 'pending').length >= max) {
      deferred++;
      continue;
    }
    const c = q.candidate;
    try {
      const p = await proposeFor(deps, q, now, signal);
      if (p) proposals.push(p);
    } catch (err) {
      // One pair failing (API down, a race) must not stop the others; it fires again next pass.
      errors.push(`${c.agent}/${c.category}: ${toError(err).message}`);
      deps.logger.error(
        { agent: c.agent, category: c.category, err: toError(err).message },
        'chief: could not propose a revision',
      );
    }
  }
  deps.logger.info(
    { candidates: candidates.length, proposals, notices, unsettled, deferred, errors },
    'chief pass done',
  );
  return {
    candidates: candidates.length,
    proposals,
    notices,
    unsettled,
    deferred,
    errors,
  };
}

/** A refused pair is retried only once a failure newer than the refusal's coverage arrives. */
async function refusedWithNothingNew(deps: ChiefDeps, c: Candidate, newest: Date) {
  const until = await lastRefusalCoverage(deps.pool, c.agent, c.category);
  return until !== undefined && until.getTime() >= newest.getTime();
}

async function proposeFor(
  deps: ChiefDeps,
  q: Qualified,
  now: Date,
  signal?: AbortSignal,
): Promise<PassProposal | undefined> {
  const c = q.candidate;
  const snapshot = await deps.contexts.active();
  const target = targetOf(snapshot.vocab, c.agent, c.category);
  const base = snapshot.files.get(target.file);
  if (!base) {
    deps.logger.warn({ file: target.file }, 'chief: responsible file has no active version');
    return undefined;
  }
  const { events } = q;
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
  const notContext = proposed.ok && proposed.revision.answer === 'not_a_context_problem';
  const check: Check | undefined = notContext
    ? undefined
    : proposed.ok
      ? checkRevision({
          file: target.file,
          base: base.content,
          revised: proposed.revision.revised_file ?? '',
          activeFiles: new Map([...snapshot.files].map(([f, v]) => [f, v.content])),
          vocab: snapshot.vocab,
        })
      : { ok: false, code: 'invalid_output', reason: proposed.reason };

  let backtest: Backtest | NotBacktested | null = null;
  if (check?.ok && target.qc) {
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
    const s = bt.backtest.summary;
    if (s.errors > 0 && s.errors === bt.backtest.tickets.length) {
      // Nothing was re-graded: no evidence either way, so nothing is stored; the pair fires again.
      throw new Error(
        `the backtest could not grade any ticket: ${bt.backtest.tickets[0]?.error ?? 'unknown error'}`,
      );
    }
  } else if (check?.ok && target.file === TRIAGE_FILE) {
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
  } else if (check?.ok) {
    backtest = notBacktested(c.agent, target.file);
  }

  const minFixed = deps.chief.minFixed ?? DEFAULTS.minFixed;
  const maxRegressed = deps.chief.maxRegressed ?? DEFAULTS.maxRegressed;
  let status: StoredStatus;
  let reason: string | undefined;
  if (notContext) {
    status = 'not_a_context_problem';
    reason = `not_a_context_problem: ${proposed.ok ? proposed.revision.rationale : ''}`;
  } else if (!check?.ok) {
    status = 'refused';
    reason = check ? `${check.code}: ${check.reason}` : 'no revision';
  } else if (backtest?.kind === 'regrade' && target.file === TRIAGE_FILE) {
    // A triage backtest re-runs the intake check on the tickets' creation state: it
    // shows whether the revised prompt would ask for more, but cannot "fix" notes a
    // person already wrote. Offered unless it regresses; the fixed count is shown as
    // information, and the evidence strength says it was not a QC regrade.
    const regressed = backtest.summary.regressed;
    if (regressed > maxRegressed) {
      status = 'no_improvement';
      reason = `no_improvement: the intake-check backtest regressed ${regressed} ticket(s) (at most ${maxRegressed} allowed)`;
    } else status = 'pending';
  } else if (backtest?.kind === 'regrade') {
    const fixed = backtest.tickets.filter((t) => t.role === 'trigger' && t.status === 'fixed');
    const regressed = backtest.summary.regressed;
    if (fixed.length < minFixed || regressed > maxRegressed) {
      status = 'no_improvement';
      reason =
        `no_improvement: the backtest fixed ${fixed.length} cited ticket(s) (at least ${minFixed} needed) ` +
        `and regressed ${regressed} (at most ${maxRegressed} allowed)`;
    } else status = 'pending';
  } else status = 'pending';

  const strength = strengthOf({
    events,
    involves: { kind, id: c.category },
    unadjudicated: q.unadjudicated,
    backtest,
    intakeCheckOnly: target.file === TRIAGE_FILE && backtest?.kind === 'regrade',
  });
  const costUsd = calls.reduce((s, x) => s + x.costUsd, 0);
  const ticketKeys = [...new Set(events.map((e) => e.ticketKey ?? String(e.ticketId)))];
  const id = await withTransaction(deps.pool, async (db) => {
    const pid = await insertProposal(db, {
      agent: c.agent,
      category: c.category,
      file: target.file,
      baseVersion: base.version,
      baseSha256: base.sha256,
      proposedContent: check?.content ?? null,
      diff: check?.diff ?? null,
      rationale: proposed.ok ? proposed.revision.rationale : null,
      answer: proposed.ok ? proposed.revision.answer : null,
      status,
      refusalReason: reason ?? null,
      coveredEventIds: events.map((e) => e.id),
      coveredTickets: ticketKeys,
      coveredUntil: newest,
      ticketCount: evidence.ticketCount,
      evidence,
      backtest,
      strength,
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
    status === 'pending' ? 'chief: proposal stored' : `chief: proposal recorded as ${status}`,
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
      why: strength.why,
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
