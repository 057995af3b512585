import type { Proposal } from '../../db/proposals.js';
import { approvalRisk, OPEN } from '../../decisions/lifecycle.js';
import { badge, dateTime, usd } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import type { Reviewer } from '../deps.js';
import { evidenceStrength } from './chief.js';
import { diffView } from './diff.js';
import { csrfField } from './layout.js';

/** Loose readers for the JSON the chief stores: shown as found, never trusted to be complete. */
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const s = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

export function backtestSummary(p: Proposal): SafeHtml {
  const bt = obj(p.backtest);
  if (bt.kind !== 'regrade') return html`<span class="muted small">not backtested</span>`;
  const sum = obj(bt.summary);
  return html`<span class="small nowrap">${badge(`${s(sum.fixed)} fixed`, 'good')} ${badge(`${s(sum.unchanged)} same`, 'muted')} ${badge(`${s(sum.regressed)} regressed`, Number(sum.regressed) > 0 ? 'bad' : 'muted')}</span>`;
}

export function proposalList(
  base: string,
  rows: Proposal[],
  status: string,
  health: SafeHtml | '' = '',
): SafeHtml {
  const tab = (v: string, l: string) =>
    html`<a class="button ${v === status ? '' : 'secondary'}" style="${v === status ? '' : 'background:#fff;color:var(--accent)'}" href="${base}/proposals?status=${v}">${l}</a>`;
  return html`<h1>Proposals</h1><p class="sub">Revisions the chief of staff proposes after repeated failures. Approving one makes a new context version that workers use on their next ticket.</p>
    <div class="actions" style="margin-bottom:14px">${tab('pending', 'Pending')}${tab('approved', 'Approved')}${tab('rejected', 'Rejected')}${tab('all', 'All')}
      <a class="button secondary" style="background:#fff;color:var(--accent)" href="${base}/context">Context versions</a></div>${health}
    <section class="card">${
      rows.length === 0
        ? html`<p class="muted">Nothing here.</p>`
        : html`<table><thead><tr><th>#</th><th>Failure</th><th>File</th><th class="num">Tickets</th><th>Backtest</th><th>Status</th><th>Created</th></tr></thead><tbody>${rows.map(
            (p) => html`<tr><td><a href="${base}/proposals/${p.id}">${p.id}</a></td>
          <td><a href="${base}/proposals/${p.id}"><code>${p.agent}</code> / <code>${p.category}</code></a></td>
          <td><code>${p.file}</code> <span class="muted small">v${p.baseVersion}</span></td><td class="num">${p.ticketCount}</td>
          <td>${backtestSummary(p)}</td><td>${badge(p.status)}${p.decidedBy ? html` <span class="small muted">${p.decidedBy}</span>` : ''}</td>
          <td class="small nowrap">${dateTime(p.createdAt)}</td></tr>`,
          )}</tbody></table>`
    }</section>`;
}

function backtestTable(base: string, p: Proposal): SafeHtml {
  const bt = obj(p.backtest);
  if (bt.kind !== 'regrade')
    return html`<p class="muted">${s(bt.reason) || 'No backtest was run for this proposal.'}</p>`;
  const side = (v: unknown) => {
    const x = obj(v);
    return x.outcome
      ? html`${badge(s(x.outcome))}${x.result ? html` ${badge(s(x.result))}` : ''}`
      : html`<span class="muted">—</span>`;
  };
  return html`<p class="small muted">Re-graded with ${s(bt.model)} before and after the change · cost ${usd(Number(bt.costUsd ?? 0))}</p>
    <table><thead><tr><th>Ticket</th><th>Role</th><th>Expected</th><th>Before</th><th>After</th><th>Result</th></tr></thead><tbody>${arr(
      bt.tickets,
    ).map((t) => {
      const ref = obj(t.reference);
      return html`<tr><td>${t.ticketId ? html`<a href="${base}/tickets/v/${s(t.ticketId)}">${s(t.externalId)}</a>` : s(t.externalId)}</td><td>${s(t.role)}</td><td class="small">${s(ref.expected) || s(ref.kind)}</td>
        <td>${side(t.before)}</td><td>${side(t.after)}</td><td>${badge(s(t.status))}${t.error ? html`<div class="small muted">${s(t.error)}</div>` : ''}</td></tr>`;
    })}</tbody></table>`;
}

function evidenceList(base: string, p: Proposal): SafeHtml {
  const ev = obj(p.evidence);
  const tickets = arr(ev.tickets);
  if (tickets.length === 0) return html`<p class="muted">No evidence stored.</p>`;
  return html`<p class="small muted">${s(ev.failureCount)} failures on ${s(ev.ticketCount)} tickets.</p>${tickets.map(
    (
      t,
    ) => html`<div style="margin-bottom:12px"><b>${t.ticketId ? html`<a href="${base}/tickets/v/${s(t.ticketId)}">${s(t.externalId)}</a>` : s(t.externalId)}</b> — ${s(t.subject)}
      <span class="quote">${s(t.excerpt)}</span><ul class="small">${arr(t.failures).map(
        (f) =>
          html`<li><code>${s(f.kind)}</code>${f.criterion ? html` on <code>${s(f.criterion)}</code>` : ''}${f.from ? html`: ${s(f.from)} → ${s(f.to)}` : ''}${f.note ? html` — ${s(f.note)}` : ''}${f.reviewer ? html` (${s(f.reviewer)})` : ''}</li>`,
      )}</ul></div>`,
  )}`;
}

export interface DecisionState {
  /** The approval confirmation step: shown after the first click on Approve. */
  confirming?: boolean;
  error?: string | undefined;
  note?: string;
}

function decisionBlock(
  base: string,
  reviewer: Reviewer | null,
  p: Proposal,
  st: DecisionState,
): SafeHtml {
  const isAdmin = reviewer?.role === 'admin';
  if (!OPEN.includes(p.status))
    return html`<p>${badge(p.status)} ${p.decidedBy ? html`by <b>${p.decidedBy}</b>` : ''} ${dateTime(p.decidedAt)}${p.createdVersion ? html` — created <a href="${base}/context/versions?file=${encodeURIComponent(p.file)}&amp;version=${p.createdVersion}"><code>${p.file}</code> v${p.createdVersion}</a>` : ''}</p>
        ${p.decisionNote || p.refusalReason ? html`<p class="quote">${p.decisionNote ?? p.refusalReason}</p>` : ''}`;
  if (p.status !== 'pending')
    // Open but not offered (superseded, no_improvement, not_a_context_problem): a lead
    // may still reject or dismiss it, never approve it.
    return html`<p>${badge(p.status)} — not offered for approval${p.decisionNote || p.refusalReason ? html`: <span class="quote">${p.decisionNote ?? p.refusalReason}</span>` : ''}</p>
      <form method="post" action="${base}/proposals/${p.id}/decide">${csrfField(reviewer)}
        <label for="note">Note (required to reject)</label><textarea id="note" name="note" placeholder="Why">${st.note ?? ''}</textarea>
        <div class="actions"><button class="danger" name="decision" value="reject" type="submit">Reject</button>
        <button class="secondary" name="decision" value="dismiss" type="submit">Dismiss</button></div></form>`;
  const risk = approvalRisk(p);
  const error = st.error
    ? html`<p class="flash error" role="alert" id="decision-error">${st.error}</p>`
    : '';
  if (st.confirming && isAdmin)
    return html`${error}<div class="verdict ${risk ? 'warn' : 'good'}" data-confirm="approve">Approve proposal #${p.id}? Backtest: ${backtestSummary(p)}</div>
      <p>Approving makes a new version of <code>${p.file}</code> that every worker uses on its next ticket.${risk ? html` <b>Careful: ${risk}.</b> Say why it should go in anyway.` : ''}</p>
      <form method="post" action="${base}/proposals/${p.id}/decide">${csrfField(reviewer)}<input type="hidden" name="confirm" value="yes">
        <label for="note">Note${risk ? ' (required)' : ' (optional)'}</label><textarea id="note" name="note" ${risk ? 'required' : ''} placeholder="Why this change is right">${st.note ?? ''}</textarea>
        <div class="actions"><button class="good" name="decision" value="approve" type="submit">Yes, approve</button><a class="button secondary" href="${base}/proposals/${p.id}">Cancel</a></div></form>`;
  return html`${error}<form method="post" action="${base}/proposals/${p.id}/decide">${csrfField(reviewer)}
      <p class="small">Backtest: ${backtestSummary(p)}${risk ? html` — <b>${risk}</b>` : ''}</p>
      <label for="note">Note (required to reject)</label><textarea id="note" name="note" placeholder="Why">${st.note ?? ''}</textarea>
      <div class="actions">${isAdmin ? html`<button class="good" name="decision" value="approve" type="submit">Approve…</button>` : html`<span class="muted small">Only an admin can approve.</span>`}
      <button class="danger" name="decision" value="reject" type="submit">Reject</button>
      <button class="secondary" name="decision" value="dismiss" type="submit">Dismiss</button></div>
      <p class="small muted">Approve asks once more, with the backtest in front of you.</p></form>`;
}

/**
 * A proposal: the change with its rationale and evidence beside it (below on a
 * phone), then the backtest. `extra` is a block other parts of the product
 * render into the page (issue 11: evidence strength, system health).
 */
export function proposalDetail(
  base: string,
  reviewer: Reviewer | null,
  p: Proposal,
  st: DecisionState = {},
  extra?: SafeHtml,
): SafeHtml {
  return html`<p class="small"><a href="${base}/proposals">← Proposals</a></p>
    <h1>Proposal #${p.id}: <code>${p.file}</code> ${badge(p.status)}</h1>
    <p class="sub">After repeated <code>${p.agent}</code> / <code>${p.category}</code> failures on ${p.ticketCount} tickets · proposed ${dateTime(p.createdAt)} by ${p.model ?? 'the chief of staff'} · base v${p.baseVersion}</p>
    <section class="card" id="decision"><h2>Decision</h2>${decisionBlock(base, reviewer, p, st)}</section>
    ${extra ? html`<div data-slot="proposal-extra">${extra}</div>` : ''}
    <div class="beside"><section class="card"><h2>Change</h2>${p.diff ? diffView(p.diff) : html`<p class="muted">No diff (refused: ${p.refusalReason ?? ''}).</p>`}</section>
    <div><section class="card"><h2>Rationale</h2><p style="white-space:pre-wrap">${p.rationale ?? ''}</p>
      ${p.answer ? html`<p class="small">${p.answer === 'more_context' ? 'The file lacked context the grader needed.' : p.answer === 'rewrite' ? 'The file needs a rewrite.' : 'Not a context problem: no change to the file would help.'}</p>` : ''}</section>
    <section class="card"><h2>Evidence</h2>${evidenceList(base, p)}</section></div></div>
    <section class="card"><h2>Backtest</h2>${backtestTable(base, p)}</section>
    <section class="card"><h2>Evidence strength</h2>${evidenceStrength(p.strength)}</section>`;
}
