import type { Notice } from '../../db/notices.js';
import { badge, dateTime } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';

/**
 * The chief of staff's content for the proposals pages (issue 11), as small
 * view functions the page layout places: the evidence strength of one
 * proposal, and the "System health" section — operational failures that went
 * to an operator instead of becoming a proposal.
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
const s = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
const n = (v: unknown): number => (typeof v === 'number' ? v : Number(v) || 0);

/** The stored `strength` of a proposal: counts, span, backtest, and why it is likely real. */
export function evidenceStrength(strength: unknown): SafeHtml {
  const st = obj(strength);
  if (!('tickets' in st))
    return html`<p class="muted small">No evidence summary stored (an older proposal).</p>`;
  const inv = obj(st.involves);
  const bt = st.backtest ? obj(st.backtest) : undefined;
  const cautions = Array.isArray(st.cautions) ? st.cautions.map(s) : [];
  return html`<table class="small"><tbody>
      <tr><th>Distinct tickets</th><td>${s(st.tickets)} <span class="muted">(${s(st.events)} failure events)</span></td></tr>
      <tr><th>Days spanned</th><td>${s(st.days)} <span class="muted">(${s(st.firstAt).slice(0, 10)} → ${s(st.lastAt).slice(0, 10)})</span></td></tr>
      <tr><th>Involves</th><td>${s(inv.kind)} <code>${s(inv.id)}</code></td></tr>
      ${
        bt
          ? html`<tr><th>Backtest</th><td>${badge(`${s(bt.fixed)} fixed`, 'good')} ${badge(`${s(bt.unchanged)} unchanged`, 'muted')} ${badge(`${s(bt.regressed)} regressed`, n(bt.regressed) > 0 ? 'bad' : 'muted')} <span class="muted">cost $${n(bt.costUsd).toFixed(4)}</span></td></tr>`
          : html`<tr><th>Backtest</th><td class="muted">none</td></tr>`
      }
    </tbody></table>
    <p><b>Why this is likely real:</b> ${s(st.why)}</p>
    ${cautions.length ? html`<ul class="small">${cautions.map((c) => html`<li>${badge('caution', 'bad')} ${c}</li>`)}</ul>` : ''}`;
}

/** Open operator notices: shown above the proposals list, empty when the fleet is healthy. */
export function systemHealthSection(notices: readonly Notice[]): SafeHtml {
  if (notices.length === 0)
    return html`<section class="card"><h2>System health</h2><p class="muted small">No operational failures repeated: nothing for an operator.</p></section>`;
  return html`<section class="card"><h2>System health</h2>
    <p class="small muted">Operational failures (invalid output, API faults, timeouts, budget stops). No context change fixes these, so the chief made no proposal for them.</p>
    <table class="small"><thead><tr><th>#</th><th>Failure</th><th>Tickets</th><th>From → to</th></tr></thead><tbody>${notices.map(
      (x) =>
        html`<tr><td>${x.id}</td><td><code>${x.agent}/${x.category}</code></td><td>${x.tickets} <span class="muted">(${x.failures} failures)</span></td><td>${dateTime(x.firstAt)} → ${dateTime(x.lastAt)}</td></tr>`,
    )}</tbody></table>
    <p class="small muted">Acknowledge with <code>ticket-qc proposals health --ack ID</code>.</p></section>`;
}
