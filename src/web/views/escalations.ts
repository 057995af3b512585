import type { AuditRow } from '../../db/audit.js';
import type { EscalationRow, ResultDetail } from '../../db/escalations.js';
import { AGE_FILTERS } from '../../format/age-filters.js';
import { age, badge, dateTime } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import type { Reviewer } from '../deps.js';
import { csrfField } from './layout.js';
import { ticketLink } from './links.js';
import { type Correction, ticketCard, verdictCard } from './ticket.js';

export interface ListArgs {
  base: string;
  reviewer: Reviewer | null;
  rows: EscalationRow[];
  counts: { rule: string; status: string; n: number }[];
  filter: { status: string; rule: string; age: string };
  now: Date;
  /** A link to a longer list when this one was cut at its limit. */
  more?: string | undefined;
  nextLimit?: number;
}

const option = (value: string, label: string, selected: string) =>
  html`<option value="${value}" ${value === selected ? 'selected' : ''}>${label}</option>`;

export function escalationList(a: ListArgs): SafeHtml {
  const rules = [...new Set(a.counts.map((c) => c.rule))].sort();
  const open = (rule?: string) =>
    a.counts
      .filter((c) => c.status !== 'resolved' && (!rule || c.rule === rule))
      .reduce((s, c) => s + c.n, 0);
  return html`<h1>Escalations</h1><p class="sub">${open()} waiting for a lead. Oldest first while they wait.</p>
  <form class="filters card" method="get" action="${a.base}/escalations">
    <div><label for="status">Status</label><select id="status" name="status">${[
      ['active', 'Open or acknowledged'],
      ['open', 'Open'],
      ['acknowledged', 'Acknowledged'],
      ['resolved', 'Resolved'],
      ['all', 'All'],
    ].map(([v, l]) => option(v ?? '', l ?? '', a.filter.status))}</select></div>
    <div><label for="rule">Rule</label><select id="rule" name="rule">${option('', 'Any rule', a.filter.rule)}${rules.map(
      (r) => option(r, `${r} (${open(r)} open)`, a.filter.rule),
    )}</select></div>
    <div><label for="age">Age</label><select id="age" name="age">${Object.entries(AGE_FILTERS).map(
      ([v, f]) => option(v, f.label, a.filter.age),
    )}</select></div>
    <div><button type="submit">Filter</button></div></form>
  <section class="card">${
    a.rows.length === 0
      ? html`<p class="muted">No escalations match. Good morning.</p>`
      : html`<form method="post" action="${a.base}/escalations/bulk" id="bulk">${csrfField(a.reviewer)}
      <table><thead><tr><th><input type="checkbox" data-select-all="ids" aria-label="Select every escalation shown"></th><th>#</th><th>Ticket</th><th>Rule</th><th>Reason</th><th>Technician</th><th>Status</th><th class="num">Waiting</th></tr></thead>
      <tbody>${a.rows.map(
        (
          r,
        ) => html`<tr><td>${r.status === 'resolved' ? '' : html`<input type="checkbox" name="ids" value="${r.id}" aria-label="Select escalation ${r.id}">`}</td><td><a href="${a.base}/escalations/${r.id}">${r.id}</a></td>
        <td><a href="${a.base}/escalations/${r.id}">${r.subject}</a><div class="small">${ticketLink(a.base, r.source, r.externalId)}</div></td>
        <td><code>${r.rule}</code></td><td class="small">${r.reason.length > 140 ? `${r.reason.slice(0, 139)}…` : r.reason}</td>
        <td>${r.assignee ?? html`<span class="muted">—</span>`}</td><td>${badge(r.status)}</td>
        <td class="num">${r.status === 'resolved' ? html`<span class="muted small">${r.resolvedBy}</span>` : age(r.createdAt, a.now)}</td></tr>`,
      )}</tbody></table>
      <div class="grid g2" style="margin-top:12px"><div><label for="bulk-note">Note for the selected escalations (required to resolve)</label><textarea id="bulk-note" name="note" placeholder="What was done, and by whom"></textarea></div>
      <div class="actions" style="align-self:end"><button class="secondary" type="submit" name="action" value="acknowledge">Acknowledge selected</button><button class="good" type="submit" name="action" value="resolve">Resolve selected</button></div></div></form>`
  }${a.more ? html`<p class="small"><a href="${a.more}">Show up to ${a.nextLimit} →</a></p>` : ''}</section>`;
}

export interface DetailArgs {
  base: string;
  reviewer: Reviewer | null;
  escalation: EscalationRow;
  result: ResultDetail;
  siblings: EscalationRow[];
  history: AuditRow[];
  corrections: Correction[];
}

export function escalationDetail(a: DetailArgs): SafeHtml {
  const e = a.escalation;
  const action = (to: string, label: string, cls: string, required: boolean) =>
    html`<form method="post" action="${a.base}/escalations/${e.id}/${to}" style="flex:1 1 260px">${csrfField(a.reviewer)}
      <label for="note-${to}">Note${required ? '' : ' (optional)'}</label>
      <textarea id="note-${to}" name="note" ${required ? 'required' : ''} placeholder="${required ? 'What was done, and by whom' : 'Looking into it…'}"></textarea>
      <button class="${cls}" type="submit">${label}</button></form>`;
  return html`<p class="small"><a href="${a.base}/escalations">← Escalations</a></p>
  <h1>Escalation #${e.id}: <code>${e.rule}</code> ${badge(e.status)}</h1>
  <p class="sub">Raised ${dateTime(e.createdAt)} on ${ticketLink(a.base, e.source, e.externalId)}${e.assignee ? ` · technician ${e.assignee}` : ''}</p>
  <div class="grid wide-left"><div>
    <section class="card"><h2>Why it was escalated</h2><p class="quote">${e.reason}</p>
      ${a.siblings.length ? html`<p class="small">Also escalated on this ticket: ${a.siblings.map((s) => html`<a href="${a.base}/escalations/${s.id}"><code>${s.rule}</code></a> `)}</p>` : ''}
      ${
        e.status === 'resolved'
          ? html`<p>${badge('resolved')} by <b>${e.resolvedBy}</b>, ${dateTime(e.updatedAt)}</p>${e.resolutionNote ? html`<p class="quote">${e.resolutionNote}</p>` : ''}`
          : html`<div class="actions">${e.status === 'open' ? action('acknowledge', 'Acknowledge', 'secondary', false) : ''}${action('resolve', 'Resolve', 'good', true)}</div>`
      }
      <p class="small"><a href="${a.base}/results/${a.result.resultId}">Overturn this verdict →</a></p>
      ${a.history.length ? html`<h3>History</h3><ul class="small">${a.history.map((h) => html`<li>${dateTime(h.at)} — <b>${h.actor}</b> ${h.action.replace('escalation.', '')}${h.note ? html`: ${h.note}` : ''}</li>`)}</ul>` : ''}
    </section>${verdictCard(a.base, a.result, a.corrections)}</div>
    <div>${ticketCard(a.base, a.result.ticket)}</div></div>`;
}
