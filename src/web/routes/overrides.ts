import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getResult } from '../../db/escalations.js';
import { correctionsOfResult, sameOverride } from '../../db/overrides.js';
import type { Pool } from '../../db/pool.js';
import { latestResultId } from '../../db/review-pages.js';
import { helpDeskIds } from '../../db/ticket-index.js';
import { DecisionError } from '../../decisions/decisions.js';
import { addReviewGold } from '../../decisions/gold.js';
import { addOverrides, listOverrides, resolveTicketRef } from '../../decisions/overrides.js';
import { dateTime } from '../../format/display.js';
import { html } from '../../format/html.js';
import { notFound, ReviewError } from '../errors.js';
import { ticketLink } from '../views/links.js';
import { type OverrideValues, overrideForm, overrideRows } from '../views/overrides.js';
import { pager } from '../views/pager.js';
import { ticketCard, verdictCard } from '../views/ticket.js';
import { render } from './common.js';
import { field, form, IdParams, one, pageQuery, text } from './inputs.js';

const LookupQuery = pageQuery({ ref: text });
const ListQuery = pageQuery({
  before: one(z.coerce.number().int().positive().optional().catch(undefined)),
});
/** Overrides per page; older ones through the pager's keyset link. */
const PAGE = 50;

const OverrideForm = form({
  kind: field,
  outcome: field,
  reason: field,
  evidence: field,
  gold: field,
});

/**
 * Overturning verdicts. The decision logic is addOverride (the same as
 * `ticket-qc overrides add`): it writes the override and the failure event the
 * chief counts; this file gives it a face that refuses mistakes kindly — an
 * unchanged form, an exact duplicate or a bad value comes back as the same
 * page with the typed reason still there and the problem said at the top.
 */
export function registerOverrideRoutes(
  app: FastifyInstance,
  d: { pool: Pool; base: string },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/overrides', { schema: { querystring: ListQuery } }, async (req, reply) => {
    const { before } = req.query;
    const rows = await listOverrides(d.pool, { limit: PAGE, beforeId: before });
    const last = rows.at(-1);
    const older =
      rows.length === PAGE && last ? `${d.base}/overrides?before=${last.id}` : undefined;
    const keys = await helpDeskIds(
      d.pool,
      rows.map((o) => o.ticketId),
    );
    const body = html`<h1>Overrides</h1><p class="sub">Verdicts team leads overturned, newest first. Each one is a failure the chief of staff counts. Any graded ticket can be found on <a href="${d.base}/tickets">Tickets</a>.</p>
      <form class="filters card" method="get" action="${d.base}/results/lookup">
        <div><label for="ref">Overturn a verdict: help-desk number or ticket id</label><input id="ref" type="text" name="ref" required placeholder="e.g. INC0012345 or 4711"></div>
        <div><button type="submit">Open its verdict</button></div></form>
      <section class="card">${overrideRows(
        d.base,
        rows.map((o) => ({ ...o, ...keys.get(o.ticketId) })),
      )}${pager(`${d.base}/overrides`, before, older)}</section>`;
    return render(req, reply, d.base, { title: 'Overrides', active: 'overrides', body });
  });

  r.get('/results/lookup', { schema: { querystring: LookupQuery } }, async (req, reply) => {
    const ticketId = await resolveTicketRef(d.pool, (req.query.ref ?? '').trim());
    const resultId = await latestResultId(d.pool, ticketId);
    if (resultId === undefined) throw notFound(`a QC result for ticket ${ticketId}`);
    return reply.redirect(`${d.base}/results/${resultId}`, 302);
  });

  async function resultPage(
    req: FastifyRequest,
    reply: FastifyReply,
    id: number,
    values?: OverrideValues,
    error?: string,
  ) {
    const result = await getResult(d.pool, id);
    if (!result) throw notFound(`result ${id}`);
    const latest = await latestResultId(d.pool, result.ticketId);
    const overrides = await listOverrides(d.pool, { ticketId: result.ticketId });
    const corrections = await correctionsOfResult(d.pool, id);
    const t = result.ticket;
    const body = html`<p class="small"><a href="${d.base}/overrides">← Overrides</a></p>
      <h1>Verdict for ${ticketLink(d.base, t.source, t.externalId)}</h1><p class="sub">${t.subject}</p>
      <div class="grid wide-left"><div><section class="card"><h2>Overturn</h2>${overrideForm(d.base, req.reviewer, result, latest === id, corrections, values, error)}</section>
      ${verdictCard(d.base, result, corrections)}
      ${
        overrides.length
          ? html`<section class="card"><h2>Earlier overrides on this ticket</h2>${overrideRows(
              d.base,
              overrides.map((o) => ({ ...o, source: t.source, externalId: t.externalId })),
            )}</section>`
          : ''
      }
      </div><div>${ticketCard(d.base, t)}</div></div>`;
    return render(req, reply, d.base, { title: `Result ${id}`, active: 'overrides', body });
  }

  r.get(
    '/results/:id',
    { schema: { params: IdParams, querystring: pageQuery() } },
    async (req, reply) => resultPage(req, reply, req.params.id),
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
      const kind = f.kind === 'criteria' ? 'criteria' : 'outcome';
      const body = f as Record<string, unknown>;
      const criteria: Record<string, string> = {};
      for (const [k, v] of Object.entries(body))
        if (k.startsWith('c.') && typeof v === 'string') criteria[k.slice(2)] = v.trim();
      const values: OverrideValues = {
        kind,
        outcome: f.outcome,
        criteria,
        reason: f.reason,
        evidence: f.evidence,
        gold: f.gold === 'yes',
      };
      const again = (status: number, message: string) =>
        resultPage(req, reply.code(status), id, values, message);

      // What the verdict says now, lead corrections included: only differences are overrides.
      const corrections = await correctionsOfResult(d.pool, id);
      const now = new Map<string | null, string>(
        result.verdict.criteria.map((c) => [c.criterion, c.result as string]),
      );
      now.set(null, result.verdict.outcome);
      for (const c of corrections) now.set(c.criterion, c.corrected);
      const changes =
        kind === 'outcome'
          ? f.outcome && f.outcome !== now.get(null)
            ? [{ criterion: null, verdict: f.outcome }]
            : []
          : Object.entries(criteria)
              .filter(([c, v]) => now.has(c) && v !== now.get(c))
              .map(([criterion, verdict]) => ({ criterion, verdict }));
      if (changes.length === 0)
        return again(
          400,
          kind === 'outcome'
            ? `Choose an outcome different from what the verdict says now (${now.get(null)}).`
            : 'Change at least one criterion: every one still says what the verdict says now.',
        );
      if (!f.reason) return again(400, 'A reason is required: say what the grader missed.');
      for (const c of changes) {
        const dup = await sameOverride(d.pool, {
          resultId: id,
          criterion: c.criterion,
          corrected: c.verdict,
        });
        if (dup)
          return again(
            409,
            `${dup.reviewer} already recorded ${c.criterion ?? 'the outcome'} → ${c.verdict} on this verdict (${dateTime(dup.createdAt)}); the same override is not counted twice.`,
          );
      }
      try {
        // All corrections of the form in one transaction: one refused, none recorded.
        await addOverrides(
          d.pool,
          changes.map((c) => ({
            ticketId: result.ticketId,
            criterion: c.criterion ?? undefined,
            verdict: c.verdict,
            reason: f.reason,
            evidence: f.evidence || undefined,
            reviewer: who.name,
            role: who.role,
            via: 'web' as const,
          })),
        );
      } catch (err) {
        if (err instanceof DecisionError)
          return again(err.code === 'not_found' ? 404 : 400, err.message);
        throw err;
      }
      if (values.gold)
        await addReviewGold(d.pool, {
          resultId: id,
          reviewer: who.name,
          role: who.role,
          via: 'web',
          note: f.reason,
        });
      return reply.redirect(
        `${d.base}/results/${id}?done=${values.gold ? 'gold' : 'overridden'}`,
        303,
      );
    },
  );
}
