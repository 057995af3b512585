import type { TicketCursor, TicketListRow } from '../../db/ticket-index.js';
import type { TicketPageData } from '../../db/ticket-page.js';
import { badge, dateTime, int, usd } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import { ticketHref } from './links.js';

/** The Tickets list (every graded ticket, searchable) and one ticket's page. */

export interface TicketListArgs {
  base: string;
  rows: TicketListRow[];
  next: TicketCursor | undefined;
  /** The query string of the current filter, without the cursor. */
  filterQuery: string;
  first: boolean;
  filter: {
    q: string;
    outcome: string;
    technician: string;
    category: string;
    escalated: string;
    overridden: string;
    missed: string;
  };
  technicians: { key: string; name: string; n: number }[];
  categories: { category: string; n: number }[];
}

const option = (value: string, label: string, selected: string) =>
  html`<option value="${value}" ${value === selected ? 'selected' : ''}>${label}</option>`;

const yesNo = (id: string, label: string, selected: string) =>
  html`<div><label for="${id}">${label}</label><select id="${id}" name="${id}">${option('', 'Any', selected)}${option('yes', 'Yes', selected)}${option('no', 'No', selected)}</select></div>`;

export function ticketList(a: TicketListArgs): SafeHtml {
  const f = a.filter;
  const nextHref = a.next
    ? `${a.base}/tickets?${a.filterQuery}${a.filterQuery ? '&' : ''}after=${encodeURIComponent(`${a.next.at}~${a.next.id}`)}`
    : undefined;
  return html`<h1>Tickets</h1><p class="sub">Every graded ticket, newest first, with its latest verdict. Search by help-desk id, subject, technician or customer.</p>
  <form class="filters card" method="get" action="${a.base}/tickets" role="search">
    <div style="flex:2 1 260px"><label for="q">Search</label><input id="q" type="text" name="q" value="${f.q}" placeholder="INC0012345, printer, Dana…" style="width:100%"></div>
    <div><label for="outcome">Outcome</label><select id="outcome" name="outcome">${option('', 'Any', f.outcome)}${['pass', 'fail', 'escalate'].map((o) => option(o, o, f.outcome))}</select></div>
    <div><label for="technician">Technician</label><select id="technician" name="technician">${option('', 'Anyone', f.technician)}${a.technicians.map((t) => option(t.key, `${t.name} (${t.n})`, f.technician))}</select></div>
    <div><label for="category">Category</label><select id="category" name="category">${option('', 'Any', f.category)}${a.categories.map((c) => option(c.category, `${c.category} (${c.n})`, f.category))}</select></div>
    ${yesNo('escalated', 'Escalated', f.escalated)}${yesNo('overridden', 'Overridden', f.overridden)}
    <div><label for="missed">Criteria missed</label><select id="missed" name="missed">${option('', 'Any', f.missed)}${option('yes', 'At least one', f.missed)}</select></div>
    <div><button type="submit">Search</button> <a href="${a.base}/tickets" class="small">Clear</a></div></form>
  <section class="card">${
    a.rows.length === 0
      ? html`<p class="muted">No graded ticket matches.</p>`
      : html`<table data-table="tickets"><thead><tr><th>Ticket</th><th>Subject</th><th>Technician</th><th>Customer</th><th>Outcome</th><th class="num">Score</th><th>Criteria missed</th><th>Flags</th><th>Context</th><th>Ticket date</th></tr></thead><tbody>${a.rows.map(
          (
            r,
          ) => html`<tr><td class="nowrap"><a href="${ticketHref(a.base, r.source, r.externalId)}">${r.source} #${r.externalId}</a>${r.versions > 1 ? html`<div class="small muted">${r.versions} versions</div>` : ''}</td>
          <td>${r.subject}${r.category ? html`<div class="small muted">${r.category}</div>` : ''}</td>
          <td>${r.technician ?? html`<span class="muted">—</span>`}</td><td>${r.customer ?? html`<span class="muted">—</span>`}</td>
          <td>${badge(r.outcome)}</td><td class="num">${r.score}</td>
          <td class="small">${r.missed.length ? r.missed.map((m) => html`<code>${m}</code> `) : html`<span class="muted">none</span>`}</td>
          <td>${r.openEscalation ? badge('escalation open', 'warn') : r.escalated ? badge('escalated', 'muted') : ''} ${r.overridden ? badge('overridden', 'info') : ''}</td>
          <td class="small"><code>${r.contextVersion.slice(0, 8)}</code></td><td class="small nowrap">${dateTime(r.ticketAt)}</td></tr>`,
        )}</tbody></table>`
  }
  <nav class="pager" aria-label="Pages">${a.first ? '' : html`<a class="button secondary" href="${a.base}/tickets${a.filterQuery ? `?${a.filterQuery}` : ''}">« Newest</a>`}
    ${nextHref ? html`<a class="button secondary" rel="next" href="${nextHref}">Older »</a>` : html`<span class="muted small">End of the list.</span>`}</nav></section>`;
}

export interface TicketPageArgs {
  base: string;
  data: TicketPageData;
  /** The latest verdict's card and the ticket card, rendered by the route. */
  verdict: SafeHtml;
  ticket: SafeHtml;
}

export function ticketPageView(a: TicketPageArgs): SafeHtml {
  const d = a.data;
  const latest = d.versions[0];
  const open = d.escalations.filter((e) => e.status !== 'resolved');
  const total = d.cost.reduce((s, c) => s + c.costUsd, 0);
  const versionNo = new Map(d.versions.map((v, i) => [v.id, d.versions.length - i]));
  return html`<p class="small"><a href="${a.base}/tickets">← Tickets</a></p>
  <h1>${d.source} #${d.externalId}</h1><p class="sub">${latest?.subject ?? ''}</p>
  ${open.map((e) => html`<div class="flash error" role="status">Open escalation <a href="${a.base}/escalations/${e.id}">#${e.id} <code>${e.rule}</code></a> (${e.status}) — ${e.reason}</div>`)}
  <div class="grid wide-left"><div>${a.verdict}
    <section class="card"><h2>Versions (${d.versions.length})</h2><table><thead><tr><th>Version</th><th>Updated</th><th>Status</th><th>QC</th><th>Received</th></tr></thead><tbody>${d.versions.map(
      (v) =>
        html`<tr><td>v${versionNo.get(v.id)} <span class="small muted">#${v.id}</span></td><td class="small nowrap">${dateTime(v.updatedAt)}</td><td>${v.status}</td><td>${badge(v.qcStatus, v.qcStatus === 'graded' ? 'good' : 'muted')}</td><td class="small nowrap">${dateTime(v.receivedAt)}</td></tr>`,
    )}</tbody></table></section>
    <section class="card"><h2>Verdicts (${d.results.length})</h2>${
      d.results.length === 0
        ? html`<p class="muted">Not graded yet.</p>`
        : html`<table><thead><tr><th>Result</th><th>Version</th><th>Outcome</th><th class="num">Score</th><th>Model</th><th>Context</th><th>Graded</th><th class="num">Cost</th></tr></thead><tbody>${d.results.map(
            (
              r,
            ) => html`<tr><td><a href="${a.base}/results/${r.id}">#${r.id}</a></td><td>v${versionNo.get(r.ticketId)}</td><td>${badge(r.outcome)}</td><td class="num">${r.score}</td>
            <td class="small">${r.model} (${r.tier}, ${r.via})</td><td class="small"><code>${r.contextVersion.slice(0, 8)}</code></td><td class="small nowrap">${dateTime(r.gradedAt)}</td><td class="num">${usd(r.costUsd)}</td></tr>`,
          )}</tbody></table>`
    }</section>
    <section class="card"><h2>Overrides (${d.overrides.length})</h2>${
      d.overrides.length === 0
        ? html`<p class="muted">No lead has overturned a verdict on this ticket.</p>`
        : html`<table><thead><tr><th>When</th><th>Result</th><th>What</th><th>Change</th><th>Lead</th><th>Why</th></tr></thead><tbody>${d.overrides.map(
            (
              o,
            ) => html`<tr><td class="small nowrap">${dateTime(o.createdAt)}</td><td><a href="${a.base}/results/${o.resultId}">#${o.resultId}</a></td><td>${o.criterion ? html`<code>${o.criterion}</code>` : 'outcome'}</td>
            <td class="nowrap">${badge(o.original)} → ${badge(o.corrected)}</td><td>${o.reviewer}</td><td class="small">${o.reason}</td></tr>`,
          )}</tbody></table>`
    }</section>
    <section class="card"><h2>Escalations (${d.escalations.length})</h2>${
      d.escalations.length === 0
        ? html`<p class="muted">Never escalated.</p>`
        : html`<table><thead><tr><th>#</th><th>Rule</th><th>Version</th><th>Status</th><th>Raised</th><th>Closed with</th></tr></thead><tbody>${d.escalations.map(
            (
              e,
            ) => html`<tr><td><a href="${a.base}/escalations/${e.id}">#${e.id}</a></td><td><code>${e.rule}</code></td><td>v${versionNo.get(e.ticketId)}</td><td>${badge(e.status)}</td>
            <td class="small nowrap">${dateTime(e.createdAt)}</td><td class="small">${e.resolvedBy ? html`<b>${e.resolvedBy}</b>: ` : ''}${e.resolutionNote ?? ''}</td></tr>`,
          )}</tbody></table>`
    }</section>
    <section class="card"><h2>Write-back</h2>${
      d.writeback === undefined
        ? html`<p class="muted" data-writeback="unavailable">Write-back to the help desk is not set up in this database.</p>`
        : d.writeback.length === 0
          ? html`<p class="muted" data-writeback="none">Nothing written back to the help desk for this ticket.</p>`
          : html`<table data-writeback="rows"><thead><tr><th>#</th><th>Kind</th><th>State</th><th class="num">Attempts</th><th>Updated</th><th>Reason</th></tr></thead><tbody>${d.writeback.map(
              (
                w,
              ) => html`<tr><td>${w.id}</td><td>${w.kind}${w.noteKind ? ` (${w.noteKind})` : ''}</td><td>${badge(w.status, w.status === 'delivered' ? 'good' : w.status === 'failed' ? 'bad' : 'muted')}</td>
              <td class="num">${w.attempts}</td><td class="small nowrap">${dateTime(w.deliveredAt ?? w.updatedAt)}</td><td class="small">${w.reason ?? ''}</td></tr>`,
            )}</tbody></table>`
    }</section>
    <section class="card"><h2>Cost</h2>${
      d.cost.length === 0
        ? html`<p class="muted">No model calls recorded for this ticket.</p>`
        : html`<table><thead><tr><th>Work</th><th class="num">Calls</th><th class="num">Cost</th></tr></thead><tbody>${d.cost.map(
            (c) =>
              html`<tr><td>${c.purpose}</td><td class="num">${int(c.calls)}</td><td class="num">${usd(c.costUsd)}</td></tr>`,
          )}<tr><td><b>Total</b></td><td></td><td class="num"><b>${usd(total)}</b></td></tr></tbody></table>`
    }</section>
  </div><div>${a.ticket}</div></div>`;
}
