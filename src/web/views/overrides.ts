import { OUTCOMES, RESULTS } from '../../context/verdict.js';
import type { ResultDetail } from '../../db/escalations.js';
import type { Override } from '../../decisions/overrides.js';
import { badge, dateTime } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import type { Reviewer } from '../deps.js';
import { csrfField } from './layout.js';
import { ticketLink, versionHref } from './links.js';
import type { Correction } from './ticket.js';

export function overrideRows(
  base: string,
  rows: (Override & { source?: string; externalId?: string; subject?: string })[],
): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">No overrides yet.</p>`;
  return html`<table><thead><tr><th>When</th><th>Ticket</th><th>What</th><th>Change</th><th>Reason</th><th>Lead</th></tr></thead><tbody>${rows.map(
    (o) => html`<tr><td class="small nowrap">${dateTime(o.createdAt)}</td>
      <td>${o.source && o.externalId ? ticketLink(base, o.source, o.externalId) : html`<a href="${versionHref(base, o.ticketId)}">ticket version ${o.ticketId}</a>`}
        ${o.subject ? html`<div class="small">${o.subject}</div>` : ''}<div class="small"><a href="${base}/results/${o.resultId}">result #${o.resultId}</a></div></td>
      <td>${o.criterion ? html`<code>${o.criterion}</code>` : 'outcome'}</td>
      <td class="nowrap">${badge(o.original)} → ${badge(o.corrected)}</td><td class="small">${o.reason}</td><td>${o.reviewer}</td></tr>`,
  )}</tbody></table>`;
}

/** What the lead typed, kept when the page comes back with an error. */
export interface OverrideValues {
  kind?: string;
  outcome?: string;
  criteria?: Record<string, string>;
  reason?: string;
  evidence?: string;
  gold?: boolean;
}

const option = (value: string, selected: string, label = value) =>
  html`<option value="${value}" ${value === selected ? 'selected' : ''}>${label}</option>`;

/**
 * Two forms that cannot be confused: the outcome (pass, fail, escalate) and
 * the criteria (met, partial, missing, n/a), each select starting at what the
 * verdict says now (lead corrections included), so an untouched form changes
 * nothing and is refused as such.
 */
export function overrideForm(
  base: string,
  reviewer: Reviewer | null,
  r: ResultDetail,
  latest: boolean,
  corrections: Correction[],
  values: OverrideValues = {},
  error?: string,
): SafeHtml {
  if (!latest) {
    return html`<p class="muted">This is not the ticket's latest result; overrides apply to the latest one.</p>`;
  }
  const nowCriterion = new Map(r.verdict.criteria.map((c) => [c.criterion, c.result as string]));
  let nowOutcome: string = r.verdict.outcome;
  for (const c of corrections) {
    if (c.criterion) nowCriterion.set(c.criterion, c.corrected);
    else nowOutcome = c.corrected;
  }
  const kind = values.kind === 'criteria' ? 'criteria' : 'outcome';
  const reasonField = (k: string) => html`
    <label for="reason-${k}" style="margin-top:10px">Reason</label><textarea id="reason-${k}" name="reason" required placeholder="What the grader missed, in a sentence the chief of staff can learn from">${kind === k ? (values.reason ?? '') : ''}</textarea>
    <label for="evidence-${k}">Supporting quote from the ticket (optional)</label><input id="evidence-${k}" type="text" name="evidence" style="width:100%" value="${kind === k ? (values.evidence ?? '') : ''}">
    <p><label style="display:inline;color:inherit"><input type="checkbox" name="gold" value="yes" ${kind === k && values.gold ? 'checked' : ''}> Add this ticket to the evaluation set with my verdict as gold</label></p>`;
  return html`${error ? html`<p class="flash error" role="alert" id="override-error">${error}</p>` : ''}
  <form method="post" action="${base}/results/${r.resultId}/override" data-form="outcome">${csrfField(reviewer)}
    <input type="hidden" name="kind" value="outcome">
    <h3>The outcome</h3>
    <label for="outcome">The right outcome (now: ${nowOutcome})</label>
    <select id="outcome" name="outcome">${OUTCOMES.map((o) => option(o, kind === 'outcome' && values.outcome ? values.outcome : nowOutcome, o === nowOutcome ? `${o} (as now)` : o))}</select>
    ${reasonField('outcome')}<button type="submit">Overturn the outcome</button></form>
  <form method="post" action="${base}/results/${r.resultId}/override" data-form="criteria" style="margin-top:18px">${csrfField(reviewer)}
    <input type="hidden" name="kind" value="criteria">
    <h3>One or more criteria</h3><p class="small muted">Change the criteria the grader got wrong; the others stay as they are.</p>
    <div class="grid g2">${[...nowCriterion.entries()].map(
      ([c, now]) =>
        html`<div><label for="c-${c}"><code>${c}</code> (now: ${now})</label><select id="c-${c}" name="c.${c}">${RESULTS.map((x) => option(x, values.criteria?.[c] ?? now, x === now ? `${x} (as now)` : x))}</select></div>`,
    )}</div>
    ${reasonField('criteria')}<button type="submit">Correct the criteria</button></form>`;
}
