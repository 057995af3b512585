import type { Proposal } from '../../db/proposals.js';
import { OPEN } from '../../decisions/lifecycle.js';
import { badge, dateTime, usd } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import type { Reviewer } from '../deps.js';
import { evidenceStrength } from './chief.js';
import { sideBySide } from './diff.js';
import { csrfField } from './layout.js';

/** Loose readers for the JSON the chief stores: shown as found, never trusted to be complete. */
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const s = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

function backtestSummary(p: Proposal): SafeHtml {
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

function backtestTable(p: Proposal): SafeHtml {
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
      return html`<tr><td>${s(t.externalId)}</td><td>${s(t.role)}</td><td class="small">${s(ref.expected) || s(ref.kind)}</td>
        <td>${side(t.before)}</td><td>${side(t.after)}</td><td>${badge(s(t.status))}${t.error ? html`<div class="small muted">${s(t.error)}</div>` : ''}</td></tr>`;
    })}</tbody></table>`;
}

function evidenceList(p: Proposal): SafeHtml {
  const ev = obj(p.evidence);
  const tickets = arr(ev.tickets);
  if (tickets.length === 0) return html`<p class="muted">No evidence stored.</p>`;
  return html`<p class="small muted">${s(ev.failureCount)} failures on ${s(ev.ticketCount)} tickets.</p>${tickets.map(
    (t) => html`<div style="margin-bottom:12px"><b>${s(t.externalId)}</b> — ${s(t.subject)}
      <span class="quote">${s(t.excerpt)}</span><ul class="small">${arr(t.failures).map(
        (f) =>
          html`<li><code>${s(f.kind)}</code>${f.criterion ? html` on <code>${s(f.criterion)}</code>` : ''}${f.from ? html`: ${s(f.from)} → ${s(f.to)}` : ''}${f.note ? html` — ${s(f.note)}` : ''}${f.reviewer ? html` (${s(f.reviewer)})` : ''}</li>`,
      )}</ul></div>`,
  )}`;
}

export function proposalDetail(base: string, reviewer: Reviewer | null, p: Proposal): SafeHtml {
  const isAdmin = reviewer?.role === 'admin';
  const decide = !OPEN.includes(p.status)
    ? html`<p>${badge(p.status)} ${p.decidedBy ? html`by <b>${p.decidedBy}</b>` : ''} ${dateTime(p.decidedAt)}${p.createdVersion ? html` — created <a href="${base}/context/versions?file=${p.file}"><code>${p.file}</code> v${p.createdVersion}</a>` : ''}</p>
        ${p.decisionNote || p.refusalReason ? html`<p class="quote">${p.decisionNote ?? p.refusalReason}</p>` : ''}`
    : html`<form method="post" action="${base}/proposals/${p.id}/decide">${csrfField(reviewer)}
          <label for="note">Note</label><textarea id="note" name="note" placeholder="Why"></textarea>
          ${p.status !== 'pending' ? html`<p>${badge(p.status)} — not offered for approval${p.decisionNote || p.refusalReason ? html`: <span class="quote">${p.decisionNote ?? p.refusalReason}</span>` : ''}</p>` : ''}
          <div class="actions">${p.status !== 'pending' ? '' : isAdmin ? html`<button class="good" name="decision" value="approve" type="submit">Approve</button>` : html`<span class="muted small">Only an admin can approve.</span>`}
          <button class="danger" name="decision" value="reject" type="submit">Reject</button>
          <button class="secondary" name="decision" value="dismiss" type="submit">Dismiss</button></div></form>`;
  return html`<p class="small"><a href="${base}/proposals">← Proposals</a></p>
    <h1>Proposal #${p.id}: <code>${p.file}</code> ${badge(p.status)}</h1>
    <p class="sub">After repeated <code>${p.agent}</code> / <code>${p.category}</code> failures on ${p.ticketCount} tickets · proposed ${dateTime(p.createdAt)} by ${p.model ?? 'the chief of staff'} · base v${p.baseVersion}</p>
    <div class="grid g2"><section class="card"><h2>Rationale</h2><p style="white-space:pre-wrap">${p.rationale ?? ''}</p>
      ${p.answer ? html`<p class="small">${p.answer === 'more_context' ? 'The file lacked context the grader needed.' : p.answer === 'rewrite' ? 'The file needs a rewrite.' : 'Not a context problem: no change to the file would help.'}</p>` : ''}</section>
    <section class="card"><h2>Decision</h2>${decide}</section></div>
    <section class="card"><h2>Change</h2>${p.diff ? sideBySide(p.diff) : html`<p class="muted">No diff (refused: ${p.refusalReason ?? ''}).</p>`}</section>
    <section class="card"><h2>Backtest</h2>${backtestTable(p)}</section>
    <section class="card"><h2>Evidence strength</h2>${evidenceStrength(p.strength)}</section>
    <section class="card"><h2>Evidence</h2>${evidenceList(p)}</section>`;
}
