import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { budgetSpend } from '../../budget/spend.js';
import type { Config } from '../../config.js';
import type { Pool } from '../../db/pool.js';
import { listProposals } from '../../db/proposals.js';
import { openEscalationAges, pendingProposalCount } from '../../db/trends.js';
import { age, int } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import { fleetHeadline, fleetState } from '../../queue/fleet.js';
import { budgetTable } from '../views/budget.js';
import { render } from './common.js';
import { pageQuery } from './inputs.js';

const BUCKETS = ['over 7 days', '3–7 days', '1–3 days', 'under 1 day'] as const;

/** The landing page: what needs a lead's attention this morning, each line a link to act on it. */
export function registerTodayRoutes(
  app: FastifyInstance,
  d: { pool: Pool; base: string; now: () => Date; config: Config; queue: Queue | undefined },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/', { schema: { querystring: pageQuery() } }, async (req, reply) => {
    const now = d.now();
    const [ages, pending, proposals, spend] = await Promise.all([
      openEscalationAges(d.pool, now),
      pendingProposalCount(d.pool),
      listProposals(d.pool, { status: 'pending', limit: 5 }),
      budgetSpend(d.pool, d.config, now),
    ]);
    const fleet = d.queue ? await fleetState(d.queue, now).catch(() => undefined) : undefined;
    const open = ages.reduce((s, a) => s + a.n, 0);
    const by = new Map(ages.map((a) => [a.bucket, a.n]));
    const head = fleet ? fleetHeadline(fleet) : undefined;
    const over = [spend.day, spend.month].some((p) => (p.share ?? 0) >= 0.8);
    const tile = (k: string, v: SafeHtml | string, note: SafeHtml | string, id: string) =>
      html`<div class="tile" data-attention="${id}"><div class="k">${k}</div><div class="v">${v}</div><div class="n">${note}</div></div>`;
    const body = html`<h1>Today</h1><p class="sub">What needs attention. Every number opens the list behind it.</p>
    <div class="tiles attention">
      ${tile('Open escalations', html`<a href="${d.base}/escalations">${int(open)}</a>`, open ? `oldest bucket: ${BUCKETS.find((b) => by.get(b)) ?? '—'}` : 'none waiting', 'escalations')}
      ${tile('Pending proposals', html`<a href="${d.base}/proposals">${int(pending)}</a>`, pending ? 'waiting for a decision' : 'nothing to decide', 'proposals')}
      ${tile('Failed jobs', fleet ? html`<a href="${d.base}/queues">${int(fleet.failed)}</a>` : '—', fleet ? (fleet.failed ? 'ran out of attempts' : 'none') : 'no queue connection', 'failed')}
      ${tile('Workers connected', fleet ? html`<a href="${d.base}/queue">${int(fleet.workers)}</a>` : '—', head ? html`<span class="badge ${head.tone}">${fleet?.paused ? 'paused' : fleet?.workers ? 'grading' : 'nobody grading'}</span>` : 'no queue connection', 'workers')}
      ${tile('Budget', html`<a href="${d.base}/costs">${over ? 'over 80%' : 'ok'}</a>`, `today ${spend.day.share === null ? 'no limit' : `${Math.round(100 * (spend.day.share ?? 0))}%`}`, 'budget')}
    </div>
    <div class="grid g2"><section class="card"><h2>Open escalations by age</h2>${
      open === 0
        ? html`<p class="muted">No escalation waits for a lead.</p>`
        : html`<table><thead><tr><th>Waiting</th><th class="num">Escalations</th></tr></thead><tbody>${BUCKETS.map(
            (b) => html`<tr><td>${b}</td><td class="num">${int(by.get(b) ?? 0)}</td></tr>`,
          )}</tbody></table><p><a href="${d.base}/escalations">Work through them, oldest first →</a></p>`
    }</section>
    <section class="card"><h2>Pending proposals</h2>${
      proposals.length === 0
        ? html`<p class="muted">No proposal waits for a decision.</p>`
        : html`<ul>${proposals.map((p) => html`<li><a href="${d.base}/proposals/${p.id}"><code>${p.file}</code>: ${p.agent} / ${p.category}</a> <span class="small muted">${age(p.createdAt, now)} old</span></li>`)}</ul>`
    }</section></div>
    <div class="grid g2"><section class="card"><h2>Grading</h2>${
      fleet && head
        ? html`<div class="verdict ${head.tone}" data-fleet="${head.tone}">${head.text}</div>
          <p class="small">${int(fleet.waiting)} waiting · ${int(fleet.active)} active · ${int(fleet.failed)} failed${fleet.oldestWaitingMs !== undefined ? ` · oldest waiting ${age(new Date(now.getTime() - fleet.oldestWaitingMs), now)}` : ''}</p>`
        : html`<p class="muted">No queue connection in this process.</p>`
    }</section>
    <section class="card"><h2>Budget</h2>${budgetTable([spend.day, spend.month])}</section></div>`;
    return render(req, reply, d.base, { title: 'Today', active: 'today', body });
  });
}
