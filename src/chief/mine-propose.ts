import { insertEvents, llmCallEvent } from '../db/events.js';
import type { HistoryTicket } from '../db/patterns.js';
import { finishMiningRun } from '../db/patterns.js';
import { withTransaction } from '../db/pool.js';
import { insertProposal } from '../db/proposals.js';
import type { LlmCall } from '../llm/call.js';
import { runBacktest } from './backtest.js';
import type { CandidateEvent } from './detect.js';
import type { Evidence } from './evidence.js';
import { EVENT_AGENT, FILE, MINED_CATEGORY, MINER_AGENT, type MineDeps } from './mine-deps.js';
import { type MergedPattern, revisePatternsFile } from './mine-merge.js';
import { checkRevision } from './rules.js';
import { strengthOf } from './strength.js';

/**
 * The mined patterns as one proposal on patterns.md: written into the file,
 * checked (rules.ts, new pattern ids allowed), backtested (a cited ticket is
 * fixed when the grader names its pattern with the proposed file), given the
 * chief's "only proposals that help" verdict, stored with its evidence
 * strength, and announced when it is offered.
 */

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

export async function propose(
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
