import type { FastifyInstance } from 'fastify';
import { getResult } from '../../db/escalations.js';
import type { Pool } from '../../db/pool.js';
import { addReviewGold } from '../../decisions/gold.js';
import { addOverride, listOverrides, resolveTicketRef } from '../../decisions/overrides.js';
import { html } from '../../format/html.js';
import { notFound, ReviewError } from '../errors.js';
import { overrideForm, overrideRows } from '../views/overrides.js';
import { ticketCard, verdictCard } from '../views/ticket.js';
import { field, idParam, query, render } from './common.js';

/**
 * Overturning verdicts. The decision logic is the chief of staff's
 * addOverride (the same as `ticket-qc overrides add`): it writes the override
 * and the failure event the chief counts; this file only gives it a face.
 */
export function registerOverrideRoutes(
  app: FastifyInstance,
  d: { pool: Pool; base: string },
): void {
  app.get('/overrides', async (req, reply) => {
    const rows = await listOverrides(d.pool, { limit: 100 });
    const subjects = await d.pool.query<{ id: number; subject: string }>(
      'SELECT id, subject FROM tickets WHERE id = ANY($1::bigint[])',
      [rows.map((r) => r.ticketId)],
    );
    const byId = new Map(subjects.rows.map((s) => [s.id, s.subject]));
    const body = html`<h1>Overrides</h1><p class="sub">Verdicts team leads overturned. Each one is a failure the chief of staff counts.</p>
      <form class="filters card" method="get" action="${d.base}/results/lookup">
        <div><label for="ref">Overturn a verdict: ticket id or help-desk number</label><input id="ref" type="text" name="ref" required placeholder="e.g. 4711 or INC0012345"></div>
        <div><button type="submit">Open its verdict</button></div></form>
      <section class="card">${overrideRows(
        d.base,
        rows.map((r) => ({ ...r, subject: byId.get(r.ticketId) })),
      )}</section>`;
    return render(req, reply, d.base, { title: 'Overrides', active: 'overrides', body });
  });

  app.get('/results/lookup', async (req, reply) => {
    const ticketId = await resolveTicketRef(d.pool, (query(req).ref ?? '').trim());
    const r = await d.pool.query<{ id: number }>(
      'SELECT id FROM qc_results WHERE ticket_id = $1 ORDER BY graded_at DESC, id DESC LIMIT 1',
      [ticketId],
    );
    if (!r.rows[0]) throw notFound(`a QC result for ticket ${ticketId}`);
    return reply.redirect(`${d.base}/results/${r.rows[0].id}`, 302);
  });

  app.get('/results/:id', async (req, reply) => {
    const id = idParam(req);
    const result = await getResult(d.pool, id);
    if (!result) throw notFound(`result ${id}`);
    const latest = await d.pool.query<{ id: number }>(
      'SELECT id FROM qc_results WHERE ticket_id = $1 ORDER BY graded_at DESC, id DESC LIMIT 1',
      [result.ticketId],
    );
    const overrides = await listOverrides(d.pool, { ticketId: result.ticketId });
    const mine = overrides.filter((o) => o.resultId === id).reverse();
    const overridden = new Map(
      mine.filter((o) => o.criterion).map((o) => [o.criterion ?? '', o.corrected]),
    );
    const body = html`<p class="small"><a href="${d.base}/overrides">← Overrides</a></p>
      <h1>Verdict for ${result.ticket.source} #${result.ticket.externalId}</h1><p class="sub">${result.ticket.subject}</p>
      <div class="grid wide-left"><div><section class="card"><h2>Overturn</h2>${overrideForm(d.base, req.reviewer, result, latest.rows[0]?.id === id)}</section>
      ${overrides.length ? html`<section class="card"><h2>Earlier overrides</h2>${overrideRows(d.base, overrides)}</section>` : ''}
      ${verdictCard(result, overridden)}</div><div>${ticketCard(result.ticket)}</div></div>`;
    return render(req, reply, d.base, { title: `Result ${id}`, active: 'overrides', body });
  });

  app.post('/results/:id/override', async (req, reply) => {
    const id = idParam(req);
    const who = req.reviewer;
    if (!who) throw new ReviewError(401, 'login required');
    const result = await getResult(d.pool, id);
    if (!result) throw notFound(`result ${id}`);
    const reason = field(req, 'reason');
    await addOverride(d.pool, {
      ticketId: result.ticketId,
      criterion: field(req, 'criterion') || undefined,
      verdict: field(req, 'verdict'),
      reason,
      evidence: field(req, 'evidence') || undefined,
      reviewer: who.name,
      role: who.role,
      via: 'web',
    });
    const gold = field(req, 'gold') === 'yes';
    if (gold)
      await addReviewGold(d.pool, {
        resultId: id,
        reviewer: who.name,
        role: who.role,
        via: 'web',
        note: reason,
      });
    return reply.redirect(`${d.base}/results/${id}?done=${gold ? 'gold' : 'overridden'}`, 303);
  });
}
