import type { Verdict } from '../../context/verdict.js';
import type { ResultDetail } from '../../db/escalations.js';
import { badge, dateTime } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import type { Ticket } from '../../ticket/schema.js';
import { ticketLink } from './links.js';

/** The ticket and its verdict as a lead reads them: the case first, then the judgment. */

const TONE = { pass: 'good', fail: 'bad', escalate: 'warn' } as const;

export function ticketCard(base: string, t: Ticket): SafeHtml {
  const meta: [string, string | undefined][] = [
    ['Ticket', `${t.source} #${t.externalId}`],
    ['Status', t.status],
    ['Priority', t.priority],
    ['Category', t.category],
    ['Requester', t.requester?.name ?? t.requester?.email],
    ['Organization', t.organization],
    ['Technician', t.assignee?.name ?? t.assignee?.email],
    ['Opened', dateTime(t.createdAt)],
    ['Closed', t.closedAt ? dateTime(t.closedAt) : undefined],
  ];
  const minutes = t.timeEntries.reduce((s, e) => s + e.minutes, 0);
  return html`<section class="card"><h2>${t.subject}</h2><p class="small">${ticketLink(base, t.source, t.externalId)} · every version, verdict and action on the ticket page</p>
    <table class="small"><tbody>${meta
      .filter(([, v]) => v)
      .map(
        ([k, v]) => html`<tr><th style="width:140px">${k}</th><td>${v}</td></tr>`,
      )}</tbody></table>
    <h3>Description</h3><div class="quote">${t.description}</div>
    ${t.triage ? html`<h3>Triage (${t.triage.by})</h3><div class="quote">${t.triage.notes}</div>` : ''}
    <h3>Conversation (${t.comments.length})</h3><div class="comments">${t.comments.map(
      (
        c,
      ) => html`<div class="c ${c.public ? '' : 'internal'}"><div class="small muted">${c.author} · ${c.role}
        ${c.public ? '' : ' · internal note'} · ${dateTime(c.at)}</div><div style="white-space:pre-wrap">${c.body}</div></div>`,
    )}</div>
    <h3>Time entries (${minutes} min)</h3>${
      t.timeEntries.length
        ? html`<table><tbody>${t.timeEntries.map(
            (e) =>
              html`<tr><td class="num" style="width:70px">${e.minutes} min</td><td>${e.note || html`<span class="muted">no note</span>`}</td><td class="muted small">${e.author ?? ''}</td></tr>`,
          )}</tbody></table>`
        : html`<p class="muted">None logged.</p>`
    }</section>`;
}

/** A lead's correction as the verdict card shows it. */
export interface Correction {
  criterion: string | null;
  original: string;
  corrected: string;
  reviewer: string;
  reason: string;
  createdAt: Date;
}

export function criteriaTable(
  v: Verdict,
  overridden: Map<string, Correction> = new Map(),
): SafeHtml {
  return html`<table><thead><tr><th>Criterion</th><th>Result</th><th>Evidence</th><th>Missing</th></tr></thead><tbody>${v.criteria.map(
    (c) => html`<tr><td class="nowrap"><code>${c.criterion}</code></td>
      <td>${badge(c.result)}${(() => {
        const o = overridden.get(c.criterion);
        return o
          ? html`<div class="small">→ ${badge(o.corrected)} by <b>${o.reviewer}</b>: ${o.reason}</div>`
          : '';
      })()}</td>
      <td>${c.evidence ? html`<span class="quote">${c.evidence}</span>` : html`<span class="muted">—</span>`}</td>
      <td>${c.missing || html`<span class="muted">—</span>`}</td></tr>`,
  )}</tbody></table>`;
}

/**
 * The verdict as it stands: when a lead overturned the outcome, the card leads
 * with the corrected outcome and says who changed it and why; criteria show
 * their corrections in place. `corrections` are this result's, oldest first.
 */
export function verdictCard(
  base: string,
  r: ResultDetail,
  corrections: Correction[] = [],
): SafeHtml {
  const v = r.verdict;
  const latest = new Map<string, Correction>();
  for (const c of corrections) if (c.criterion) latest.set(c.criterion, c);
  const outcome = corrections.filter((c) => !c.criterion).at(-1);
  const shown = (outcome?.corrected ?? v.outcome) as keyof typeof TONE;
  const head = outcome
    ? html`<div class="verdict ${TONE[shown] ?? 'warn'} overturned" data-outcome="${shown}">${shown.toUpperCase()} <span class="small" style="font-weight:400">· overturned from ${v.outcome.toUpperCase()} by <b>${outcome.reviewer}</b>, ${dateTime(outcome.createdAt)}</span></div>
      <p class="small"><b>Why:</b> ${outcome.reason}</p>`
    : '';
  return html`<section class="card">${head}<div class="${outcome ? 'small muted' : `verdict ${TONE[v.outcome]}`}" data-graded-outcome="${v.outcome}">${outcome ? 'The grader said ' : ''}${v.outcome.toUpperCase()} · score ${v.score}
      <span class="small" style="font-weight:400"> · confidence ${v.confidence.toFixed(2)} · ${r.model} (${r.tier}${r.tierReason ? `: ${r.tierReason}` : ''})</span></div>
    <p>${v.summary}</p>
    ${v.escalations.length ? html`<h3>Escalation rules</h3><ul>${v.escalations.map((e) => html`<li><code>${e.rule}</code> — ${e.reason}</li>`)}</ul>` : ''}
    <h3>Per criterion</h3>${criteriaTable(v, latest)}
    ${v.missing_information.length ? html`<h3>Missing information</h3><ul>${v.missing_information.map((m) => html`<li>${m}</li>`)}</ul>` : ''}
    ${v.attributions.length ? html`<h3>Attributed to other agents</h3><ul>${v.attributions.map((a) => html`<li><code>${a.agent}</code> / <code>${a.category}</code> — ${a.note}</li>`)}</ul>` : ''}
    ${v.patterns.length ? html`<h3>Known patterns</h3><p>${v.patterns.map((p) => html`${badge(p, 'info')} `)}</p>` : ''}
    <p class="small muted">Graded ${dateTime(r.gradedAt)} · context ${r.contextVersion.slice(0, 12)} · <a href="${base}/results/${r.resultId}">result #${r.resultId}</a></p></section>`;
}
