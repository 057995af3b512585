import type { Backtest, NotBacktested } from '../chief/backtest.js';
import type { Evidence } from '../chief/evidence.js';
import type { PassResult } from '../chief/pass.js';
import { type Strength, strengthLines } from '../chief/strength.js';
import { changedLines, colorDiff } from '../context/diff.js';
import type { Proposal } from '../db/proposals.js';
import { printable } from '../format/display.js';

/** Text renderings of proposals for the CLI (and anything else that prints them). */

export function formatProposalRow(p: Proposal): string {
  const lines = p.diff ? changedLines(p.diff) : { added: 0, removed: 0 };
  return [
    `#${p.id}`.padEnd(6),
    p.status.padEnd(22),
    `${p.agent}/${p.category}`.padEnd(40),
    `context/${p.file} v${p.baseVersion}`.padEnd(34),
    `+${lines.added} -${lines.removed}`.padEnd(10),
    p.createdAt.toISOString().slice(0, 16).replace('T', ' '),
  ].join('');
}

function backtestLines(bt: Backtest | NotBacktested | null): string[] {
  if (!bt) return ['Backtest: none (the proposal was refused before one ran).'];
  if (bt.kind === 'not_applicable') return [`Backtest: not applicable. ${bt.reason}`];
  const s = bt.summary;
  return [
    `Backtest with ${bt.model}: ${s.fixed} fixed, ${s.unchanged} unchanged, ${s.regressed} regressed` +
      `${s.errors ? `, ${s.errors} errors` : ''} ($${bt.costUsd.toFixed(4)}; context ${bt.contextBefore.slice(0, 8)} → ${bt.contextAfter.slice(0, 8)})`,
    ...bt.tickets.map((t) => {
      const ref =
        t.reference.kind === 'result'
          ? `${t.reference.criterion} should be ${t.reference.expected} (${t.reference.source})`
          : t.reference.kind === 'outcome'
            ? `outcome should be ${t.reference.expected} (override)`
            : t.reference.kind;
      const side = (x: typeof t.before) =>
        x ? `${x.outcome} ${x.score}${x.result ? ` ${x.result}` : ''}` : '-';
      return `  ${t.status.padEnd(10)} ${t.role.padEnd(8)} ${t.externalId.padEnd(12)} ${side(t.before)} → ${side(t.after)}   [${ref}]${t.error ? ` error: ${t.error}` : ''}`;
    }),
  ];
}

export function formatProposal(p: Proposal, opts: { color: boolean }): string {
  const ev = p.evidence as unknown as Evidence;
  const out = [
    `Proposal #${p.id} — ${p.status}`,
    `Failure: ${p.agent}/${p.category} on ${p.ticketCount} tickets (${p.coveredEventIds.length} failure events)`,
    `File: context/${p.file}, base version ${p.baseVersion}`,
    `Chief model: ${p.model ?? '-'}, cost $${Number(p.costUsd).toFixed(4)}, created ${p.createdAt.toISOString()}`,
  ];
  if (p.answer)
    out.push(
      `Answer: ${
        p.answer === 'more_context'
          ? 'the agent needs more context'
          : p.answer === 'rewrite'
            ? 'its context needs a rewrite'
            : 'not a context problem (no change to the file would help)'
      }`,
    );
  if (p.refusalReason)
    out.push(`${p.status === 'refused' ? 'Refused' : 'Not offered'}: ${p.refusalReason}`);
  if (p.strength) out.push('', ...strengthLines(p.strength as unknown as Strength));
  if (p.decidedBy || p.decisionNote) {
    out.push(
      `Decision: ${p.status} by ${p.decidedBy ?? '-'} at ${p.decidedAt?.toISOString() ?? '-'}` +
        `${p.decisionNote ? ` — ${p.decisionNote}` : ''}${p.createdVersion ? ` (created v${p.createdVersion})` : ''}`,
    );
  }
  if (p.rationale) out.push('', 'Rationale:', p.rationale);
  out.push('', ...backtestLines(p.backtest as unknown as Backtest | NotBacktested | null));
  if (ev?.tickets?.length) {
    out.push('', 'Evidence:');
    for (const t of ev.tickets) {
      out.push(`  ${t.externalId} (#${t.ticketId}) ${t.subject}`);
      if (t.triage) out.push(`    triage (${t.triage.by}): ${t.triage.notes}`);
      for (const f of t.failures) {
        const what = f.to ? `${f.criterion ?? 'outcome'} ${f.from ?? '?'} → ${f.to}` : '';
        out.push(
          `    ${f.kind}${what ? `: ${what}` : ''}${f.note ? ` — ${f.note}` : ''}${f.reviewer ? ` (${f.reviewer})` : ''}`,
        );
      }
    }
  }
  // Ticket text and model output are untrusted: control characters are made
  // inert before our own colour codes are added.
  const text = printable(out.join('\n'), true);
  if (!p.diff) return text;
  const diff = printable(p.diff, true);
  return `${text}\n\n${opts.color ? colorDiff(diff) : diff}`;
}

export function formatPass(r: PassResult): string {
  if (r.skipped) return `skipped: ${r.skipped}`;
  const offered = r.proposals.filter((p) => p.status === 'pending');
  const lines = [
    `${r.candidates} repeated failure(s) found; ${offered.length} proposal(s) offered for review, ${r.proposals.length - offered.length} recorded without an offer`,
  ];
  for (const p of r.proposals) {
    lines.push(
      `  #${p.id} ${p.status} ${p.agent}/${p.category} → context/${p.file}${p.reason ? ` (${printable(p.reason, false)})` : ''}`,
    );
  }
  for (const n of r.notices ?? []) {
    lines.push(
      `  system health #${n.id}: ${n.agent}/${n.category} on ${n.tickets} tickets is operational, not a context problem (no proposal)`,
    );
  }
  if (r.unsettled?.length)
    lines.push(
      `  not proposed: ${r.unsettled.join(', ')} (only shadow disagreements nobody settled: Sonnet is not ground truth)`,
    );
  if (r.deferred)
    lines.push(`  ${r.deferred} more pair(s) wait for the next pass (the per-pass limit)`);
  for (const e of r.errors ?? []) lines.push(`  error: ${printable(e, false)}`);
  if (offered.length)
    lines.push(
      `Review: \`ticket-qc proposals show ${offered[0]?.id}\` (or /review/proposals), then approve, reject or dismiss.`,
    );
  else if (r.proposals.length === 0 && !(r.notices ?? []).length && !(r.errors ?? []).length)
    lines.push(
      r.candidates === 0
        ? `No (agent, category) failed on enough distinct tickets in the window: nothing to propose.`
        : 'Nothing new to propose.',
    );
  return lines.join('\n');
}
