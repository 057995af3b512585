import { OUTCOMES, RESULTS } from '../../context/verdict.js';
import type { ResultDetail } from '../../db/escalations.js';
import type { Override } from '../../decisions/overrides.js';
import { badge, dateTime } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import type { Reviewer } from '../deps.js';
import { csrfField } from './layout.js';

export function overrideRows(base: string, rows: (Override & { subject?: string })[]): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">No overrides yet.</p>`;
  return html`<table><thead><tr><th>When</th><th>Ticket</th><th>What</th><th>Change</th><th>Reason</th><th>Lead</th></tr></thead><tbody>${rows.map(
    (o) => html`<tr><td class="small nowrap">${dateTime(o.createdAt)}</td>
      <td><a href="${base}/results/${o.resultId}">${o.subject ?? `ticket ${o.ticketId}`}</a></td>
      <td>${o.criterion ? html`<code>${o.criterion}</code>` : 'outcome'}</td>
      <td class="nowrap">${badge(o.original)} → ${badge(o.corrected)}</td><td class="small">${o.reason}</td><td>${o.reviewer}</td></tr>`,
  )}</tbody></table>`;
}

/** One form for both kinds: leave "criterion" on "the outcome" to overturn the whole verdict. */
export function overrideForm(
  base: string,
  reviewer: Reviewer | null,
  r: ResultDetail,
  latest: boolean,
): SafeHtml {
  if (!latest) {
    return html`<p class="muted">This is not the ticket's latest result; overrides apply to the latest one.</p>`;
  }
  return html`<form method="post" action="${base}/results/${r.resultId}/override">${csrfField(reviewer)}
    <div class="grid g2"><div><label for="criterion">What is wrong</label><select id="criterion" name="criterion">
      <option value="">The outcome (${r.verdict.outcome})</option>${r.verdict.criteria.map(
        (c) => html`<option value="${c.criterion}">${c.criterion} (${c.result})</option>`,
      )}</select></div>
    <div><label for="verdict">The right answer</label><select id="verdict" name="verdict">
      <optgroup label="Outcome">${OUTCOMES.map((o) => html`<option value="${o}">${o}</option>`)}</optgroup>
      <optgroup label="Criterion">${RESULTS.map((x) => html`<option value="${x}">${x}</option>`)}</optgroup></select></div></div>
    <label for="reason" style="margin-top:10px">Reason</label><textarea id="reason" name="reason" required placeholder="What the grader missed, in a sentence the chief of staff can learn from"></textarea>
    <label for="evidence">Supporting quote from the ticket (optional)</label><input id="evidence" type="text" name="evidence" style="width:100%">
    <p><label style="display:inline;color:inherit"><input type="checkbox" name="gold" value="yes"> Add this ticket to the evaluation set with my verdict as gold</label></p>
    <button type="submit">Record override</button></form>`;
}
