import type { PeriodSpend } from '../../budget/spend.js';
import { pct, usd } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';

/** Budget versus spend as bars: green, amber from 80%, red at 100% (the queue stops). */
export function budgetTable(periods: PeriodSpend[]): SafeHtml {
  return html`<table><thead><tr><th>Period</th><th class="num">Spent</th><th class="num">Budget</th><th style="width:40%">Used</th></tr></thead><tbody>${periods.map(
    (p) => {
      const share = p.share ?? 0;
      const cls = share >= 1 ? 'over' : share >= 0.8 ? 'near' : '';
      return html`<tr><td>${p.kind === 'day' ? `Today (${p.startsOn})` : `This month (${p.startsOn.slice(0, 7)})`}</td>
        <td class="num">${usd(p.spendUsd)}</td><td class="num">${p.limitUsd ? usd(p.limitUsd) : html`<span class="muted">none set</span>`}</td>
        <td>${p.limitUsd ? html`<div class="bar ${cls}" title="${pct(share)}"><span style="width:${Math.min(100, 100 * share).toFixed(1)}%"></span></div><span class="small">${pct(share)}</span>` : ''}</td></tr>`;
    },
  )}</tbody></table>`;
}
