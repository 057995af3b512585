import type { ContextSnapshot } from '../context/store.js';
import type { Queryable } from '../db/pool.js';
import type { LlmCall, LlmDeps } from '../llm/call.js';
import { backtestTriage, type TriageBacktestTicket } from '../triage/index.js';
import type { Backtest, BacktestTicket } from './backtest.js';
import type { Side } from './reference.js';

/**
 * A proposal on agents/triage.md, backtested by re-running the live triage
 * agent (src/triage) on the cited tickets' creation state, reported in the
 * same shape as a QC regrade so the review page and CLI show it unchanged:
 * a side's outcome is `complete` or `incomplete`, its result the fields
 * asked for.
 */
export async function runTriageBacktest(args: {
  db: Queryable;
  llm: LlmDeps;
  model: string;
  snapshot: ContextSnapshot;
  proposed: string;
  ticketIds: number[];
  signal?: AbortSignal;
}): Promise<{ backtest: Backtest; calls: LlmCall[] }> {
  const bt = await backtestTriage({
    db: args.db,
    deps: { llm: args.llm, model: args.model, maxTokens: 1024 },
    snapshot: args.snapshot,
    proposed: args.proposed,
    triggerTicketIds: args.ticketIds,
    ...(args.signal ? { signal: args.signal } : {}),
  });
  const side = (s: { missing: string[] } | undefined): Side | undefined =>
    s && {
      outcome: s.missing.length ? 'incomplete' : 'complete',
      score: s.missing.length,
      confidence: 1,
      model: args.model,
      result: s.missing.join(',') || 'nothing missing',
      repaired: false,
    };
  const tickets: BacktestTicket[] = bt.tickets.map((t: TriageBacktestTicket) => {
    const before = side(t.before);
    const after = side(t.after);
    return {
      ticketId: t.ticketId,
      externalId: t.externalId,
      role: t.role,
      reference:
        t.role === 'control'
          ? { kind: 'stable', was: 'complete' }
          : {
              kind: 'none',
              why: 'QC found triage left the technician short of facts: asking for more is fixed',
            },
      ...(before ? { before } : {}),
      ...(after ? { after } : {}),
      status: t.status,
      ...(t.error ? { error: t.error } : {}),
    };
  });
  const count = (s: BacktestTicket['status']) => tickets.filter((t) => t.status === s).length;
  return {
    backtest: {
      kind: 'regrade',
      model: args.model,
      contextBefore: bt.contextBefore,
      contextAfter: bt.contextAfter,
      tickets,
      summary: {
        fixed: count('fixed'),
        unchanged: count('unchanged'),
        regressed: count('regressed'),
        errors: count('error'),
      },
      costUsd: bt.calls.reduce((s, c) => s + c.costUsd, 0),
    },
    calls: bt.calls,
  };
}
