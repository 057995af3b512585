import type { SecondOpinionSavings } from '../../db/second-opinions.js';
import { badge, dateTime, int, pct, ratio, usd } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import type { RulePolicy } from '../../qc/second-opinion.js';

/**
 * Issue 12: second opinions earned, per escalation rule — always-on or
 * sampled, the agreement that decides it, and the money sampling saved.
 */
export function secondOpinionSection(
  rows: readonly SecondOpinionSavings[],
  policies: ReadonlyMap<string, RulePolicy>,
  s: { threshold: number; minSamples: number; sampleRate: number },
): SafeHtml {
  const saved = rows.reduce((n, r) => n + r.savedUsd, 0);
  const body =
    rows.length === 0
      ? html`<p class="muted">No second-opinion rule fired in this period.</p>`
      : html`<table><thead><tr><th>Rule</th><th>Mode</th><th class="num">Fired</th><th class="num">Asked</th><th class="num">Kept the outcome</th><th class="num">Lower bound</th><th class="num">Spent</th><th class="num">Saved</th><th>Last reset</th></tr></thead><tbody>${rows.map(
          (r) => {
            const p = policies.get(r.rule);
            const mode = p?.pinned
              ? badge('always (pinned)', 'info')
              : p && p.rate < 1
                ? badge(`sampled ${pct(p.rate, 0)}`, 'good')
                : badge('always', 'warn');
            return html`<tr><td><code>${r.rule}</code></td><td>${mode}</td><td class="num">${int(r.fired)}</td><td class="num">${int(r.sampled)}</td>
              <td class="num">${int(r.agreed)} (${pct(ratio(r.agreed, r.sampled))})</td><td class="num">${p ? pct(p.lowerBound) : '—'}</td>
              <td class="num">${usd(r.spentUsd)}</td><td class="num">${usd(r.savedUsd)}</td><td>${r.lastReset ? dateTime(r.lastReset) : '—'}</td></tr>`;
          },
        )}</tbody></table>`;
  return html`<section class="card" id="second-opinions"><h2>Second opinions earned</h2>
    <p>Saved by sampling: <strong data-saved="${saved.toFixed(4)}">${usd(saved)}</strong> in this period.</p>
    ${body}
    <p class="small muted">A rule asks the strong model every time until the 95% Wilson lower bound of its outcome agreement over at least ${int(s.minSamples)} second opinions reaches ${pct(s.threshold, 0)}; then ${pct(s.sampleRate, 0)} of its tickets. A lead overturning such a ticket's outcome, or the bound falling, makes it always-on again. Saved = skipped second opinions × the rule's average cost of one.</p></section>`;
}
