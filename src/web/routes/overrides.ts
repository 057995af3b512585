import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { getResult } from '../../db/escalations.js';
import type { Pool } from '../../db/pool.js';
import { latestResultId, ticketSubjects } from '../../db/review-pages.js';
import { addReviewGold } from '../../decisions/gold.js';
import { addOverride, listOverrides, resolveTicketRef } from '../../decisions/overrides.js';
import { html } from '../../format/html.js';
import { notFound, ReviewError } from '../errors.js';
import { overrideForm, overrideRows } from '../views/overrides.js';
import { ticketCard, verdictCard } from '../views/ticket.js';
import { render } from './common.js';
import { field, form, IdParams, pageQuery, text } from './inputs.js';

const LookupQuery = pageQuery({ ref: text });

const OverrideForm = form({
  criterion: field,
  verdict: field,
  reason: field,
  evidence: field,
  gold: field,
});

/**
 * Overturning verdicts. The decision logic is the chief of staff's
 * addOverride (the same as `ticket-qc overrides add`): it writes the override
 * and the failure event the chief counts; this file only gives it a face.
 */
export function registerOverrideRoutes(
  app: FastifyInstance,
  d: { pool: Pool; base: string },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/overrides', { schema: { querystring: pageQuery() } }, async (req, reply) => {
    const rows = await listOverrides(d.pool, { limit: 100 });
    const byId = await ticketSubjects(
      d.pool,
      rows.map((o) => o.ticketId),
    );
    const body = html`<h1>Overrides</h1><p class="sub">Verdicts team leads overturned. Each one is a failure the chief of staff counts.</p>
      <form class="filters card" method="get" action="${d.base}/results/lookup">
        <div><label for="ref">Overturn a verdict: ticket id or help-desk number</label><input id="ref" type="text" name="ref" required placeholder="e.g. 4711 or INC0012345"></div>
        <div><button type="submit">Open its verdict</button></div></form>
      <section class="card">${overrideRows(
        d.base,
        rows.map((o) => ({ ...o, subject: byId.get(o.ticketId) })),
      )}</section>`;
    return render(req, reply, d.base, { title: 'Overrides', active: 'overrides', body });
  });

  r.get('/results/lookup', { schema: { querystring: LookupQuery } }, async (req, reply) => {
    const ticketId = await resolveTicketRef(d.pool, (req.query.ref ?? '').trim());
    const resultId = await latestResultId(d.pool, ticketId);
    if (resultId === undefined) throw notFound(`a QC result for ticket ${ticketId}`);
    return reply.redirect(`${d.base}/results/${resultId}`, 302);
  });

  r.get(
    '/results/:id',
    { schema: { params: IdParams, querystring: pageQuery() } },
    async (req, reply) => {
      const { id } = req.params;
      const result = await getResult(d.pool, id);
      if (!result) throw notFound(`result ${id}`);
      const latest = await latestResultId(d.pool, result.ticketId);
      const overrides = await listOverrides(d.pool, { ticketId: result.ticketId });
      const mine = overrides.filter((o) => o.resultId === id).reverse();
      const overridden = new Map(
        mine.filter((o) => o.criterion).map((o) => [o.criterion ?? '', o.corrected]),
      );
      const body = html`<p class="small"><a href="${d.base}/overrides">← Overrides</a></p>
      <h1>Verdict for ${result.ticket.source} #${result.ticket.externalId}</h1><p class="sub">${result.ticket.subject}</p>
      <div class="grid wide-left"><div><section class="card"><h2>Overturn</h2>${overrideForm(d.base, req.reviewer, result, latest === id)}</section>
      ${overrides.length ? html`<section class="card"><h2>Earlier overrides</h2>${overrideRows(d.base, overrides)}</section>` : ''}
      ${verdictCard(result, overridden)}</div><div>${ticketCard(result.ticket)}</div></div>`;
      return render(req, reply, d.base, { title: `Result ${id}`, active: 'overrides', body });
    },
  );

  r.post(
    '/results/:id/override',
    { schema: { params: IdParams, body: OverrideForm } },
    async (req, reply) => {
      const { id } = req.params;
      const f = req.body;
      const who = req.reviewer;
      if (!who) throw new ReviewError(401, 'login required');
      const result = await getResult(d.pool, id);
      if (!result) throw notFound(`result ${id}`);
      const reason = f.reason;
      await addOverride(d.pool, {
        ticketId: result.ticketId,
        criterion: f.criterion || undefined,
        verdict: f.verdict,
        reason,
        evidence: f.evidence || undefined,
        reviewer: who.name,
        role: who.role,
        via: 'web',
      });
      const gold = f.gold === 'yes';
      if (gold)
        await addReviewGold(d.pool, {
          resultId: id,
          reviewer: who.name,
          role: who.role,
          via: 'web',
          note: reason,
        });
      return reply.redirect(`${d.base}/results/${id}?done=${gold ? 'gold' : 'overridden'}`, 303);
    },
  );
}
