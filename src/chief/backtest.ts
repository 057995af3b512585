import { QC_FILES } from '../context/files.js';
import { type ContextSnapshot, snapshotOf } from '../context/store.js';
import type { Queryable } from '../db/pool.js';
import { recentlyPassed } from '../db/results.js';
import { getTicket } from '../db/tickets.js';
import type { LlmCall } from '../llm/call.js';
import { toError } from '../logger.js';
import { type QcContext, qcContextOf } from '../qc/context.js';
import { type GradeDeps, gradeTicket } from '../qc/grade.js';
import type { CandidateEvent } from './detect.js';
import { type Reference, referenceOf, type Side, sideOf, statusOf } from './reference.js';

/**
 * Re-grades the triggering tickets, plus a few recently passed ones as a
 * control, with the current and with the proposed QC context — same model,
 * same moment, purpose 'backtest' (no failure events, no results). Each
 * ticket is fixed, unchanged or regressed against its reference answer.
 */

const CONTROL_SAMPLE = 5;
const MAX_TRIGGER_TICKETS = 10;

export interface BacktestTicket {
  ticketId: number;
  externalId: string;
  role: 'trigger' | 'control';
  reference: Reference;
  before?: Side;
  after?: Side;
  status: 'fixed' | 'unchanged' | 'regressed' | 'error';
  error?: string;
}

export interface Backtest {
  kind: 'regrade';
  model: string;
  contextBefore: string;
  contextAfter: string;
  tickets: BacktestTicket[];
  summary: { fixed: number; unchanged: number; regressed: number; errors: number };
  costUsd: number;
}

export interface NotBacktested {
  kind: 'not_applicable';
  reason: string;
}

function withRevision(snapshot: ContextSnapshot, file: string, content: string) {
  const files = [...snapshot.files.values()].map((f) =>
    f.file === file ? { ...f, version: f.version + 1, content, sha256: `proposed:${f.sha256}` } : f,
  );
  return snapshotOf(files);
}

export function notBacktested(agent: string, file: string): NotBacktested {
  return {
    kind: 'not_applicable',
    reason:
      `context/${file} is the ${agent} agent's own prompt. ticket-qc does not run that agent, ` +
      'so re-grading tickets cannot show whether the revision helps; judge it by the evidence ' +
      'below, and watch whether these failures stop after approval.',
  };
}

function controlTickets(db: Queryable, exclude: number[]): Promise<number[]> {
  return recentlyPassed(db, exclude, CONTROL_SAMPLE);
}

export async function runBacktest(args: {
  db: Queryable;
  grade: GradeDeps;
  snapshot: ContextSnapshot;
  file: string;
  proposed: string;
  category: string;
  events: CandidateEvent[];
  signal?: AbortSignal;
}): Promise<{ backtest: Backtest; calls: LlmCall[] }> {
  if (!(QC_FILES as readonly string[]).includes(args.file))
    throw new Error(`${args.file} is not a QC context file`);
  const before = qcContextOf(args.snapshot);
  const after = qcContextOf(withRevision(args.snapshot, args.file, args.proposed));
  // One trigger per ticket (source, external id): its newest stored version.
  const newest = new Map<string, number>();
  for (const e of args.events) {
    const k = e.ticketKey ?? String(e.ticketId);
    newest.set(k, Math.max(newest.get(k) ?? 0, e.ticketId));
  }
  const byId = new Map<number, string>([...newest].map(([k, id]) => [id, k]));
  const triggers = [...newest.values()].slice(-MAX_TRIGGER_TICKETS);
  const controls = await controlTickets(args.db, triggers);
  const calls: LlmCall[] = [];
  const tickets: BacktestTicket[] = [];
  const grade = async (ctx: QcContext, ticketId: number) => {
    const stored = await getTicket(args.db, ticketId);
    if (!stored) throw new Error(`ticket ${ticketId} is gone`);
    try {
      const out = await gradeTicket(args.grade, ctx, stored.ticket, {
        purpose: 'backtest',
        shadow: false,
        ...(args.signal ? { signal: args.signal } : {}),
      });
      calls.push(...out.calls);
      return { externalId: stored.externalId, outcome: out };
    } catch (err) {
      const e = toError(err) as Error & { calls?: LlmCall[] };
      if (e.calls) calls.push(...e.calls);
      throw e;
    }
  };
  for (const [role, ids] of [
    ['trigger', triggers],
    ['control', controls],
  ] as const) {
    for (const ticketId of ids) {
      const key = byId.get(ticketId);
      const events = args.events.filter(
        (e) => e.ticketId === ticketId || (key !== undefined && e.ticketKey === key),
      );
      let reference: Reference = referenceOf(args.category, events, before.vocab);
      let externalId = String(ticketId);
      try {
        const b = await grade(before, ticketId);
        externalId = b.externalId;
        const a = await grade(after, ticketId);
        const criterion =
          reference.kind === 'result'
            ? reference.criterion
            : before.vocab.criteria.some((c) => c.id === args.category)
              ? args.category
              : undefined;
        const pat = reference.kind === 'pattern';
        const bs = sideOf(b.outcome, criterion, pat);
        const as = sideOf(a.outcome, criterion, pat);
        if (role === 'control') reference = { kind: 'stable', was: bs.outcome };
        tickets.push({
          ticketId,
          externalId,
          role,
          reference,
          before: bs,
          after: as,
          status: statusOf(reference, bs, as),
        });
      } catch (err) {
        tickets.push({
          ticketId,
          externalId,
          role,
          reference,
          status: 'error',
          error: toError(err).message,
        });
      }
    }
  }
  const count = (s: BacktestTicket['status']) => tickets.filter((t) => t.status === s).length;
  return {
    backtest: {
      kind: 'regrade',
      model: args.grade.settings.baseModel,
      contextBefore: before.version,
      contextAfter: after.version,
      tickets,
      summary: {
        fixed: count('fixed'),
        unchanged: count('unchanged'),
        regressed: count('regressed'),
        errors: count('error'),
      },
      costUsd: calls.reduce((s, c) => s + c.costUsd, 0),
    },
    calls,
  };
}
