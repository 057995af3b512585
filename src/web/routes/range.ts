import type { Range } from '../../db/costs.js';
import { html, type SafeHtml } from '../../format/html.js';

/** The trailing-days selector shared by the Costs, Supervision and Technicians pages. */
export const RANGES = [7, 14, 30, 90] as const;

/** `chosen` is one of RANGES (the route's schema sees to it) or undefined for the page's default. */
export function rangeOf(
  chosen: number | undefined,
  now: Date,
  fallback = 14,
): { days: number; range: Range } {
  const days = chosen ?? fallback;
  // Whole UTC days, today included, so the chart's first bar is a full day.
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + 86_400_000;
  return { days, range: { since: new Date(end - days * 86_400_000), until: new Date(end) } };
}

export function rangePicker(action: string, days: number): SafeHtml {
  return html`<form class="filters" method="get" action="${action}"><div><label for="days">Period</label>
    <select id="days" name="days">${RANGES.map(
      (d) => html`<option value="${d}" ${d === days ? 'selected' : ''}>Last ${d} days</option>`,
    )}</select></div><div><button type="submit">Show</button></div></form>`;
}

export function tile(label: string, value: string, note?: string): SafeHtml {
  return html`<div class="tile"><div class="k">${label}</div><div class="v">${value}</div>${note ? html`<div class="n">${note}</div>` : ''}</div>`;
}
