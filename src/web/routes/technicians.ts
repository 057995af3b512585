import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from '../../db/pool.js';
import { type Scorecard, scorecards } from '../../db/technicians.js';
import { int, pct, ratio } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import { render } from './common.js';
import { DaysQuery } from './inputs.js';
import { rangeOf, rangePicker } from './range.js';

/** Pass rate per week as a small line: is this technician getting better? */
function trend(weeks: Scorecard['weeks']): SafeHtml {
  if (weeks.length === 0) return html`<span class="muted">—</span>`;
  const w = 150;
  const h = 34;
  const step = weeks.length > 1 ? (w - 10) / (weeks.length - 1) : 0;
  const pts = weeks.map((x, i) => [5 + i * step, 4 + (h - 8) * (1 - x.passed / x.graded)] as const);
  const title = weeks
    .map((x) => `week of ${x.week}: ${pct(x.passed / x.graded, 0)} of ${x.graded}`)
    .join('\n');
  return html`<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="weekly pass rate"><title>${title}</title>
    <line x1="0" x2="${w}" y1="${h / 2}" y2="${h / 2}" stroke="#eef0f3"/>
    <polyline fill="none" stroke="#2f6fde" stroke-width="2" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>
    ${pts.map(([x, y]) => html`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="#2f6fde"/>`)}</svg>
    <div class="small muted">${weeks.map((x) => pct(x.passed / x.graded, 0)).join(' → ')}</div>`;
}

export function registerTechnicianRoutes(
  app: FastifyInstance,
  d: { pool: Pool; base: string; now: () => Date },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/technicians', { schema: { querystring: DaysQuery } }, async (req, reply) => {
    const { days, range } = rangeOf(req.query.days, d.now(), 30);
    const cards = await scorecards(d.pool, range);
    const body = html`<h1>Technicians</h1><p class="sub">Scorecards from graded tickets (each help-desk ticket once, by its newest verdict), by assignee. Coach from the criteria they miss most.</p>
      ${rangePicker(`${d.base}/technicians`, days)}
      <section class="card">${
        cards.length === 0
          ? html`<p class="muted">No graded tickets in this period.</p>`
          : html`<table><thead><tr><th>Technician</th><th class="num">Tickets</th><th style="width:160px">Pass rate</th><th class="num">Avg score</th><th class="num">Fail</th><th class="num">Escalated</th><th>Most missed criteria</th><th>Weekly pass rate</th></tr></thead><tbody>${cards.map(
              (c) => {
                const rate = ratio(c.passed, c.graded) ?? 0;
                return html`<tr><td><b>${c.key === '(unassigned)' ? c.assignee : html`<a href="${d.base}/tickets?technician=${encodeURIComponent(c.key)}">${c.assignee}</a>`}</b>${c.key === '(unassigned)' ? '' : html`<div class="small"><a href="${d.base}/trends?technician=${encodeURIComponent(c.key)}">trend</a></div>`}</td><td class="num">${int(c.graded)}</td>
            <td><div class="bar ${rate < 0.5 ? 'over' : rate < 0.75 ? 'near' : ''}"><span style="width:${(100 * rate).toFixed(1)}%"></span></div><span class="small">${pct(rate, 0)}</span></td>
            <td class="num">${c.avgScore}</td><td class="num">${c.failed}</td><td class="num">${c.escalated}</td>
            <td class="small">${c.missed.length ? c.missed.map((m) => html`<div><code>${m.criterion}</code> <span class="muted">×${m.n}</span></div>`) : html`<span class="muted">none</span>`}</td>
            <td>${trend(c.weeks)}</td></tr>`;
              },
            )}</tbody></table>`
      }</section>`;
    return render(req, reply, d.base, { title: 'Technicians', active: 'technicians', body });
  });
}
