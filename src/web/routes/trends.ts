import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pool } from '../../db/pool.js';
import { ticketFacets } from '../../db/ticket-index.js';
import {
  type TrendGroup,
  type TrendWeek,
  trendGroups,
  weeklyEscalationsByRule,
  weeklyTrend,
} from '../../db/trends.js';
import { int, pct, ratio, usd } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import { PALETTE } from '../views/chart.js';
import { render } from './common.js';
import { choice, one, pageQuery, text } from './inputs.js';

const WEEKS = [4, 8, 12, 26, 52] as const;

const TrendQuery = pageQuery({
  basis: choice(['ticket', 'graded'], 'ticket'),
  weeks: one(z.coerce.number().pipe(z.literal(WEEKS)).optional().catch(undefined)),
  technician: text,
  category: text,
});

const WEEK_MS = 7 * 86_400_000;

/** Rates per week as lines (0–100 %), drawn on the server like the cost charts. */
function rateChart(weeks: TrendWeek[]): SafeHtml {
  if (weeks.length === 0) return html`<p class="muted">No graded tickets in this period.</p>`;
  const series = [
    { name: 'pass rate', get: (w: TrendWeek) => w.passed / w.tickets },
    { name: 'escalation rate', get: (w: TrendWeek) => w.escalated / w.tickets },
    { name: 'override rate', get: (w: TrendWeek) => w.overridden / w.tickets },
  ];
  const W = 560;
  const H = 220;
  const pad = { l: 40, r: 10, t: 10, b: 30 };
  const x = (i: number) =>
    pad.l +
    (weeks.length > 1 ? (i * (W - pad.l - pad.r)) / (weeks.length - 1) : (W - pad.l - pad.r) / 2);
  const y = (v: number) => pad.t + (1 - v) * (H - pad.t - pad.b);
  const every = Math.ceil(weeks.length / 8);
  return html`<svg class="chart" data-chart="rates" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Pass, escalation and override rate per week">
    ${[0, 0.25, 0.5, 0.75, 1].map((v) => html`<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#e4e7eb"/><text x="${pad.l - 4}" y="${y(v) + 4}" text-anchor="end">${pct(v, 0)}</text>`)}
    ${weeks.map((w, i) => (i % every === 0 ? html`<text x="${x(i)}" y="${H - 10}" text-anchor="middle">${w.week.slice(5)}</text>` : ''))}
    ${series.map(
      (
        s,
        k,
      ) => html`<polyline fill="none" stroke="${PALETTE[k] ?? '#999'}" stroke-width="2" points="${weeks.map((w, i) => `${x(i).toFixed(1)},${y(s.get(w)).toFixed(1)}`).join(' ')}"/>
      ${weeks.map((w, i) => html`<circle cx="${x(i).toFixed(1)}" cy="${y(s.get(w)).toFixed(1)}" r="3" fill="${PALETTE[k] ?? '#999'}"><title>week of ${w.week} · ${s.name}: ${pct(s.get(w))} of ${w.tickets}</title></circle>`)}`,
    )}</svg>
    <div class="legend">${series.map((s, k) => html`<span><i style="background:${PALETTE[k] ?? '#999'}"></i>${s.name}</span>`)}</div>`;
}

function groupTable(title: string, rows: TrendGroup[], link: (g: TrendGroup) => string): SafeHtml {
  return html`<section class="card"><h2>${title}</h2>${
    rows.length === 0
      ? html`<p class="muted">Nothing in this period.</p>`
      : html`<table><thead><tr><th>${title.replace('Per ', '')}</th><th class="num">Tickets</th><th class="num">Pass rate</th><th class="num">Escalation rate</th><th class="num">Override rate</th><th class="num">Cost per ticket</th></tr></thead><tbody>${rows.map(
          (
            g,
          ) => html`<tr><td><a href="${link(g)}">${g.label}</a></td><td class="num">${int(g.tickets)}</td><td class="num">${pct(ratio(g.passed, g.tickets))}</td>
          <td class="num">${pct(ratio(g.escalated, g.tickets))}</td><td class="num">${pct(ratio(g.overridden, g.tickets))}</td><td class="num">${g.tickets ? usd(g.costUsd / g.tickets) : '—'}</td></tr>`,
        )}</tbody></table>`
  }</section>`;
}

/** Trends per week over help-desk tickets, by ticket date (default) or grading date. */
export function registerTrendRoutes(
  app: FastifyInstance,
  d: { pool: Pool; base: string; now: () => Date },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/trends', { schema: { querystring: TrendQuery } }, async (req, reply) => {
    const q = req.query;
    const weeks = q.weeks ?? 12;
    const now = d.now();
    // Whole ISO weeks (Monday, UTC), the current one included.
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const monday = today - ((new Date(today).getUTCDay() + 6) % 7) * 86_400_000;
    const f = {
      basis: q.basis,
      since: new Date(monday - (weeks - 1) * WEEK_MS),
      until: new Date(monday + WEEK_MS),
      technician: q.technician || undefined,
      category: q.category || undefined,
    };
    const [weekly, byRule, techs, cats, facets] = await Promise.all([
      weeklyTrend(d.pool, f),
      weeklyEscalationsByRule(d.pool, f),
      trendGroups(d.pool, f, 'technician'),
      trendGroups(d.pool, f, 'category'),
      ticketFacets(d.pool),
    ]);
    const rules = [...new Set(byRule.map((x) => x.rule))].sort();
    const ruleCell = (week: TrendWeek, rule: string) => {
      const n = byRule.find((x) => x.week === week.week && x.rule === rule)?.tickets ?? 0;
      return html`<td class="num">${n ? `${pct(n / week.tickets)} (${n})` : '—'}</td>`;
    };
    const link = (extra: Record<string, string>) =>
      `${d.base}/trends?${new URLSearchParams({ basis: q.basis, weeks: String(weeks), ...extra }).toString()}`;
    const opt = (v: string, l: string, sel: string) =>
      html`<option value="${v}" ${v === sel ? 'selected' : ''}>${l}</option>`;
    const body = html`<h1>Trends</h1><p class="sub">Per week, counting help-desk tickets (each ticket once, by its newest verdict). ${q.basis === 'ticket' ? 'Weeks are when the ticket was opened, so a backlog graded in one night spreads over the weeks it happened.' : 'Weeks are when the ticket was graded.'}</p>
    <form class="filters card" method="get" action="${d.base}/trends">
      <div><label for="basis">Week of</label><select id="basis" name="basis">${opt('ticket', 'the ticket (opened)', q.basis)}${opt('graded', 'the grading', q.basis)}</select></div>
      <div><label for="weeks">Period</label><select id="weeks" name="weeks">${WEEKS.map((w) => opt(String(w), `Last ${w} weeks`, String(weeks)))}</select></div>
      <div><label for="technician">Technician</label><select id="technician" name="technician">${opt('', 'Everyone', q.technician ?? '')}${facets.technicians.map((t) => opt(t.key, t.name, q.technician ?? ''))}</select></div>
      <div><label for="category">Category</label><select id="category" name="category">${opt('', 'All', q.category ?? '')}${facets.categories.map((c) => opt(c.category, c.category, q.category ?? ''))}</select></div>
      <div><button type="submit">Show</button></div></form>
    <section class="card"><h2>Pass, escalation and override rate</h2><div style="max-width:760px">${rateChart(weekly)}</div></section>
    <section class="card"><h2>Per week</h2>${
      weekly.length === 0
        ? html`<p class="muted">No graded tickets in this period.</p>`
        : html`<table data-table="weekly"><thead><tr><th>Week of</th><th class="num">Tickets</th><th class="num">Pass rate</th><th class="num">Escalation rate</th><th class="num">Override rate</th><th class="num">Cost per ticket</th></tr></thead><tbody>${weekly.map(
            (
              w,
            ) => html`<tr><td class="nowrap">${w.week}</td><td class="num">${int(w.tickets)}</td><td class="num">${pct(w.passed / w.tickets)}</td><td class="num">${pct(w.escalated / w.tickets)}</td>
            <td class="num">${pct(w.overridden / w.tickets)}</td><td class="num">${usd(w.costUsd / w.tickets)}</td></tr>`,
          )}</tbody></table>`
    }</section>
    <section class="card"><h2>Escalation rate by rule</h2>${
      rules.length === 0
        ? html`<p class="muted">No escalations in this period.</p>`
        : html`<table><thead><tr><th>Week of</th>${rules.map((rule) => html`<th class="num"><code>${rule}</code></th>`)}</tr></thead><tbody>${weekly.map(
            (w) =>
              html`<tr><td class="nowrap">${w.week}</td>${rules.map((rule) => ruleCell(w, rule))}</tr>`,
          )}</tbody></table>`
    }</section>
    ${groupTable('Per technician', techs, (g) => link({ technician: g.key }))}${groupTable('Per category', cats, (g) => link({ category: g.key }))}
    <p class="small muted">Cost per ticket is grading spend on every version of the ticket (tier-ups and shadows included).</p>`;
    return render(req, reply, d.base, { title: 'Trends', active: 'trends', body });
  });
}
