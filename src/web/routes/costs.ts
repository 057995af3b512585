import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { budgetSpend } from '../../budget/spend.js';
import type { Config } from '../../config.js';
import { costBy, costliestTickets, dailyCost, quality, shadowRows } from '../../db/costs.js';
import type { Pool } from '../../db/pool.js';
import { qcGradingCost } from '../../db/review-pages.js';
import { shadowAgreement } from '../../eval/agreement.js';
import { int, pct, ratio, usd } from '../../format/display.js';
import { html } from '../../format/html.js';
import { budgetTable } from '../views/budget.js';
import { stackedBars } from '../views/chart.js';
import { ticketLink } from '../views/links.js';
import { render } from './common.js';
import { DaysQuery } from './inputs.js';
import { rangeOf, rangePicker, tile } from './range.js';

/** Costs and quality: what the fleet spends, on what, and how good the cheap verdicts are. */
export function registerCostRoutes(
  app: FastifyInstance,
  d: { pool: Pool; base: string; now: () => Date; config: Config },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/costs', { schema: { querystring: DaysQuery } }, async (req, reply) => {
    const { days, range } = rangeOf(req.query.days, d.now());
    const [byAgent, byModelDaily, models, q, shadows, budget, qcCost, costly] = await Promise.all([
      dailyCost(d.pool, 'agent', range),
      dailyCost(d.pool, 'model', range),
      costBy(d.pool, 'model', range),
      quality(d.pool, range),
      shadowRows(d.pool, range),
      budgetSpend(d.pool, d.config, d.now()),
      qcGradingCost(d.pool, range),
      costliestTickets(d.pool, range, 10),
    ]);
    const total = models.reduce((s, m) => s + m.costUsd, 0);
    const prompt = models.reduce(
      (s, m) => s + m.inputTokens + m.cacheWriteTokens + m.cacheReadTokens,
      0,
    );
    const reads = models.reduce((s, m) => s + m.cacheReadTokens, 0);
    const agree = shadowAgreement(shadows);
    const body = html`<h1>Costs and quality</h1><p class="sub">Every model call is measured: tokens, cache hits, cost. Days are UTC.</p>
      ${rangePicker(`${d.base}/costs`, days)}
      <div class="tiles">${[
        tile(
          'Spend',
          usd(total),
          `${int(models.reduce((s, m) => s + m.executions, 0))} model calls`,
        ),
        tile('Tickets graded', int(q.graded)),
        tile(
          'Cost per ticket',
          q.graded ? usd(qcCost / q.graded) : '—',
          `all-in ${q.graded ? usd(total / q.graded) : '—'} with chief and evals`,
        ),
        tile('Cache-hit ratio', pct(ratio(reads, prompt)), 'of prompt tokens read from cache'),
        tile(
          'Escalation rate',
          pct(ratio(q.escalatedResults, q.graded)),
          `${int(q.escalatedResults)} tickets`,
        ),
        tile(
          'Override rate',
          pct(ratio(q.overriddenResults, q.graded)),
          `${int(q.overrides)} overrides by leads`,
        ),
        tile('Tier-up rate', pct(ratio(q.tierUps, q.graded)), 'verdicts from the strong model'),
        tile(
          "Cohen's κ (shadow)",
          agree.kappa === undefined ? '—' : agree.kappa.toFixed(2),
          `${agree.samples} shadow samples`,
        ),
      ]}</div>
      <div class="grid g2"><section class="card"><h2>Cost per day by agent</h2>${stackedBars({ id: 'by-agent', ...byAgent })}</section>
      <section class="card"><h2>Cost per day by model</h2>${stackedBars({ id: 'by-model', ...byModelDaily })}</section></div>
      <div class="grid wide-left"><section class="card"><h2>Model split</h2><table><thead><tr><th>Model</th><th class="num">Calls</th><th class="num">Input</th><th class="num">Output</th><th class="num">Cache read</th><th class="num">Cost</th><th class="num">Share</th></tr></thead><tbody>${models.map(
        (
          m,
        ) => html`<tr><td><code>${m.key}</code></td><td class="num">${int(m.executions)}</td><td class="num">${int(m.inputTokens + m.cacheWriteTokens)}</td>
          <td class="num">${int(m.outputTokens)}</td><td class="num">${int(m.cacheReadTokens)}</td><td class="num">${usd(m.costUsd)}</td><td class="num">${pct(ratio(m.costUsd, total))}</td></tr>`,
      )}</tbody></table></section>
      <section class="card"><h2>Budget versus spend</h2>${budgetTable([budget.day, budget.month])}
        <p class="small muted">At 80% a warning goes to the log and the notification webhook; at 100% the qc queue pauses until an admin resumes it or the period rolls over. <a href="${d.base}/queue">Queue →</a></p></section></div>
      <section class="card"><h2>Most expensive tickets</h2><p class="small muted">Every model call on the ticket in this period: grading, tier-ups, shadows, triage, backtests.</p>${
        costly.length === 0
          ? html`<p class="muted">No model calls on tickets in this period.</p>`
          : html`<table><thead><tr><th>Ticket</th><th class="num">Calls</th><th class="num">Cost</th><th class="num">Share</th></tr></thead><tbody>${costly.map(
              (t) =>
                html`<tr><td data-label="Ticket">${ticketLink(d.base, t.source, t.externalId)}</td><td class="num" data-label="Calls">${int(t.calls)}</td><td class="num" data-label="Cost">${usd(t.costUsd)}</td><td class="num" data-label="Share">${pct(ratio(t.costUsd, total))}</td></tr>`,
            )}</tbody></table>`
      }</section>
      <section class="card"><h2>Shadow agreement per criterion</h2><p class="small muted">Random shadow samples graded by both models; the cheap model's verdict stood. Worst agreement first.</p>${
        agree.perCriterion.length === 0
          ? html`<p class="muted">No shadow samples in this period (QC_SHADOW_RATE).</p>`
          : html`<table><thead><tr><th>Criterion</th><th class="num">Compared</th><th class="num">Agreement</th><th class="num">κ</th></tr></thead><tbody>${agree.perCriterion.map(
              (c) =>
                html`<tr><td><code>${c.criterion}</code></td><td class="num">${c.compared}</td><td class="num">${pct(c.agreed / c.compared)}</td><td class="num">${c.kappa === undefined ? '—' : c.kappa.toFixed(2)}</td></tr>`,
            )}</tbody></table>`
      }</section>`;
    return render(req, reply, d.base, { title: 'Costs and quality', active: 'costs', body });
  });
}
