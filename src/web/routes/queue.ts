import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { checkBudget } from '../../budget/check.js';
import { pauseQueue, resumeQueue } from '../../budget/control.js';
import type { BudgetNotify } from '../../budget/notify.js';
import { budgetSpend } from '../../budget/spend.js';
import type { Config } from '../../config.js';
import type { Pool } from '../../db/pool.js';
import { openBudgetPauses } from '../../db/review-pages.js';
import { needsThreadCounts } from '../../db/threads.js';
import { age, int } from '../../format/display.js';
import { html } from '../../format/html.js';
import { fleetHeadline, fleetState } from '../../queue/fleet.js';
import { ReviewError } from '../errors.js';
import { budgetTable } from '../views/budget.js';
import { csrfField } from '../views/layout.js';
import { render } from './common.js';
import { field, form, pageQuery } from './inputs.js';

const NoteForm = form({ note: field });

export interface QueueRouteDeps {
  pool: Pool;
  base: string;
  now: () => Date;
  config: Config;
  queue: Queue | undefined;
  logger: Logger;
  notify: BudgetNotify;
}

/** The qc queue's state and budget, with pause (any reviewer) and resume (admins). */
export function registerQueueRoutes(app: FastifyInstance, d: QueueRouteDeps): void {
  const need = (): Queue => {
    if (!d.queue) throw new ReviewError(503, 'This process has no connection to the queue.');
    return d.queue;
  };
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/queue', { schema: { querystring: pageQuery() } }, async (req, reply) => {
    const spend = await budgetSpend(d.pool, d.config, d.now());
    const open = await openBudgetPauses(d.pool);
    const q = d.queue;
    const fleet = q ? await fleetState(q, d.now()) : undefined;
    const paused = fleet?.paused ?? false;
    const head = fleet ? fleetHeadline(fleet) : undefined;
    const admin = req.reviewer?.role === 'admin';
    // Issue 14: tickets held until their conversation arrives (not graded, not escalated).
    const waiting = Object.values(await needsThreadCounts(d.pool)).reduce((a, b) => a + b, 0);
    const counts: [string, string][] = fleet
      ? [
          ['Workers connected', int(fleet.workers)],
          ['Waiting', int(fleet.waiting)],
          [
            'Oldest waiting',
            fleet.oldestWaitingMs === undefined
              ? '—'
              : age(new Date(d.now().getTime() - fleet.oldestWaitingMs), d.now()),
          ],
          ['Active', int(fleet.active)],
          ['Delayed (debounced)', int(fleet.delayed)],
          ['Failed', int(fleet.failed)],
        ]
      : [];
    const state =
      !q || !fleet || !head
        ? html`<p class="muted">No queue connection in this process.</p>`
        : html`<div class="verdict ${head.tone}" data-fleet="${head.tone}" data-workers="${fleet.workers}">qc queue: ${head.text}</div>
        ${!paused && fleet.workers === 0 ? html`<p>Start one with <code>ticket-qc worker</code>; tickets wait safely until then.</p>` : ''}
        ${open.length ? html`<p>Paused by the budget: ${open.map((p) => `${p.period} ${p.starts_on}`).join(', ')}. It resumes by itself when the period rolls over, or when an admin resumes it (spending past the budget for the rest of the period).</p>` : ''}
        <table class="kv"><tbody>${counts.map(([k, v]) => html`<tr><th>${k}</th><td class="num" data-count="${k}">${v}</td></tr>`)}</tbody></table>
        <div class="actions" style="margin-top:14px">${
          paused
            ? admin
              ? html`<form method="post" action="${d.base}/queue/resume" style="flex:1">${csrfField(req.reviewer)}<label for="note">Note</label><textarea id="note" name="note" placeholder="Why it is safe to spend again"></textarea><button class="good" type="submit">Resume the qc queue</button></form>`
              : html`<p class="muted">Only an admin can resume the queue.</p>`
            : html`<form method="post" action="${d.base}/queue/pause" style="flex:1">${csrfField(req.reviewer)}<label for="note">Note</label><textarea id="note" name="note" placeholder="Why grading should stop"></textarea><button class="danger" type="submit">Pause the qc queue</button></form>`
        }</div>
        <p class="small"><a href="${d.base}/queues">Open Bull Board for jobs, retries and failures →</a></p>`;
    const body = html`<h1>Queue</h1><p class="sub">Grading stops when the queue is paused; tickets wait safely in PostgreSQL and Redis.</p>
      <div class="grid g2"><section class="card"><h2>State</h2>${state}
      <p class="small">Waiting for their thread: <strong class="num" id="needs-thread">${int(waiting)}</strong> ticket(s), graded as they are after ${Math.round(d.config.QC_NEEDS_THREAD_TIMEOUT / 3_600_000)} h.</p></section>
      <section class="card"><h2>Budget</h2>${budgetTable([spend.day, spend.month])}
      <p class="small muted">At 80% of a budget a warning goes to the log and the notification webhook; at 100% the qc queue pauses.</p></section></div>`;
    return render(req, reply, d.base, { title: 'Queue', active: 'queues', body });
  });

  r.post('/queue/pause', { schema: { body: NoteForm } }, async (req, reply) => {
    const who = req.reviewer;
    if (!who) throw new ReviewError(401, 'login required');
    await pauseQueue(
      d.pool,
      need(),
      { name: who.name, role: who.role, via: 'web' },
      req.body.note || undefined,
    );
    return reply.redirect(`${d.base}/queue?done=paused`, 303);
  });

  r.post(
    '/queue/resume',
    { config: { reviewAdmin: true }, schema: { body: NoteForm } },
    async (req, reply) => {
      const who = req.reviewer;
      if (!who) throw new ReviewError(401, 'login required');
      await resumeQueue(
        d.pool,
        need(),
        { name: who.name, role: who.role, via: 'web' },
        req.body.note || undefined,
      );
      return reply.redirect(`${d.base}/queue?done=resumed`, 303);
    },
  );

  // Lets an admin re-run the check after changing a budget, without waiting for the interval.
  r.post(
    '/queue/check-budget',
    { config: { reviewAdmin: true }, schema: { body: form({}) } },
    async (_req, reply) => {
      await checkBudget({
        pool: d.pool,
        queue: need(),
        config: d.config,
        logger: d.logger,
        notify: d.notify,
        now: d.now,
      });
      return reply.redirect(`${d.base}/queue`, 303);
    },
  );
}
