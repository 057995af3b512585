import { type ContextSnapshot, snapshotOf } from '../context/store.js';
import type { Queryable } from '../db/pool.js';
import { completeTriageSample, firstVersionOf, keysOf } from '../db/triage.js';
import type { LlmCall } from '../llm/call.js';
import { toError } from '../logger.js';
import { InvalidTriageError, runTriageCheck, type TriageDeps } from './check.js';
import { TRIAGE_FILE, triageContextOf } from './context.js';
import { creationState } from './creation.js';

/**
 * Backtest of a proposed `agents/triage.md`: the intake check re-run on each
 * cited ticket's creation state with the current and the proposed prompt,
 * same model, purpose 'backtest' (nothing stored). A trigger ticket is one
 * where QC found triage left the technician short of facts: the revision
 * fixes it when it now asks for more of them. A control ticket, whose intake
 * was complete, regresses if the revision now asks for anything.
 */

const TRIAGE_CONTROL_SAMPLE = 5;
const MAX_TRIGGERS = 10;

export interface TriageSide {
  missing: string[];
}

export interface TriageBacktestTicket {
  ticketId: number;
  externalId: string;
  role: 'trigger' | 'control';
  before?: TriageSide;
  after?: TriageSide;
  status: 'fixed' | 'unchanged' | 'regressed' | 'error';
  error?: string;
}

export interface TriageBacktest {
  model: string;
  contextBefore: string;
  contextAfter: string;
  tickets: TriageBacktestTicket[];
  calls: LlmCall[];
}

export function statusOfTriage(
  role: 'trigger' | 'control',
  before: TriageSide,
  after: TriageSide,
): TriageBacktestTicket['status'] {
  const b = new Set(before.missing);
  const a = new Set(after.missing);
  if (role === 'control') return a.size === 0 ? 'unchanged' : 'regressed';
  const gained = [...a].filter((x) => !b.has(x)).length;
  const lost = [...b].filter((x) => !a.has(x)).length;
  if (gained > lost) return 'fixed';
  if (lost > gained) return 'regressed';
  return 'unchanged';
}

export async function backtestTriage(args: {
  db: Queryable;
  deps: TriageDeps;
  snapshot: ContextSnapshot;
  proposed: string;
  triggerTicketIds: number[];
  signal?: AbortSignal;
}): Promise<TriageBacktest> {
  const files = [...args.snapshot.files.values()].map((f) =>
    f.file === TRIAGE_FILE
      ? { ...f, version: f.version + 1, content: args.proposed, sha256: `proposed:${f.sha256}` }
      : f,
  );
  const before = triageContextOf(args.snapshot);
  const after = triageContextOf(snapshotOf(files));
  const triggers = [...new Set(args.triggerTicketIds)].slice(-MAX_TRIGGERS);
  const controls = await completeTriageSample(args.db, triggers, TRIAGE_CONTROL_SAMPLE);
  const keys = await keysOf(args.db, [...triggers, ...controls]);
  const calls: LlmCall[] = [];
  const tickets: TriageBacktestTicket[] = [];
  const opts = { purpose: 'backtest' as const, ...(args.signal ? { signal: args.signal } : {}) };
  for (const [role, ids] of [
    ['trigger', triggers],
    ['control', controls],
  ] as const) {
    for (const ticketId of ids) {
      const key = keys.get(ticketId);
      const externalId = key?.externalId ?? String(ticketId);
      try {
        const first = key ? await firstVersionOf(args.db, key.source, key.externalId) : undefined;
        if (!first) throw new Error(`ticket ${ticketId} is gone`);
        const state = creationState(first.ticket);
        const b = await runTriageCheck(args.deps, before, state, opts);
        calls.push(...b.calls);
        const a = await runTriageCheck(args.deps, after, state, opts);
        calls.push(...a.calls);
        const bs = { missing: b.check.missing };
        const as = { missing: a.check.missing };
        tickets.push({
          ticketId,
          externalId,
          role,
          before: bs,
          after: as,
          status: statusOfTriage(role, bs, as),
        });
      } catch (err) {
        if (err instanceof InvalidTriageError) calls.push(...err.calls);
        tickets.push({ ticketId, externalId, role, status: 'error', error: toError(err).message });
      }
    }
  }
  return {
    model: args.deps.model,
    contextBefore: before.version,
    contextAfter: after.version,
    tickets,
    calls,
  };
}
