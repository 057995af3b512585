import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getResult } from '../../db/escalations.js';
import { correctionsOfResult } from '../../db/overrides.js';
import type { Pool } from '../../db/pool.js';
import {
  listTickets,
  TICKET_OUTCOMES,
  type TicketCursor,
  type TicketFilter,
  ticketFacets,
  ticketKeyOf,
} from '../../db/ticket-index.js';
import { ticketPage } from '../../db/ticket-page.js';
import { html } from '../../format/html.js';
import { notFound } from '../errors.js';
import { ticketHref } from '../views/links.js';
import { ticketCard, verdictCard } from '../views/ticket.js';
import { ticketList, ticketPageView } from '../views/tickets.js';
import { render } from './common.js';
import { choice, IdParams, one, pageQuery, text } from './inputs.js';

const yesNo = choice(['', 'yes', 'no'], '');

/** `after` is the previous page's last (ticket_at, id); a mangled one is a 400, not page 1. */
const Cursor = one(
  z
    .string()
    .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z~\d{1,18}$/, {
      error: 'after must be a cursor from the Older link',
    })
    .optional(),
);

const ListQuery = pageQuery({
  q: text,
  outcome: choice(['', ...TICKET_OUTCOMES], ''),
  technician: text,
  category: text,
  escalated: yesNo,
  overridden: yesNo,
  missed: choice(['', 'yes'], ''),
  after: Cursor,
});

const KeyParams = z.object({
  source: z.string().min(1).max(100),
  externalId: z.string().min(1).max(300),
});

const flag = (v: string) => (v === 'yes' ? true : v === 'no' ? false : undefined);

/** Every graded ticket: a searchable, filterable list and one page per help-desk ticket. */
export function registerTicketRoutes(app: FastifyInstance, d: { pool: Pool; base: string }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/tickets', { schema: { querystring: ListQuery } }, async (req, reply) => {
    const q = req.query;
    const f: TicketFilter = {
      q: q.q?.trim() || undefined,
      outcome: q.outcome || undefined,
      technician: q.technician || undefined,
      category: q.category || undefined,
      escalated: flag(q.escalated),
      overridden: flag(q.overridden),
      missed: q.missed === 'yes' || undefined,
    };
    let after: TicketCursor | undefined;
    if (q.after) {
      const [at = '', id = ''] = q.after.split('~');
      after = { at, id: Number(id) };
    }
    const [page, facets] = await Promise.all([
      listTickets(d.pool, f, after, 50),
      ticketFacets(d.pool),
    ]);
    const filter = {
      q: q.q ?? '',
      outcome: q.outcome,
      technician: q.technician ?? '',
      category: q.category ?? '',
      escalated: q.escalated,
      overridden: q.overridden,
      missed: q.missed,
    };
    const filterQuery = new URLSearchParams(
      Object.entries(filter).filter(([, v]) => v !== ''),
    ).toString();
    const body = ticketList({
      base: d.base,
      rows: page.rows,
      next: page.next,
      filterQuery,
      first: !after,
      filter,
      ...facets,
    });
    return render(req, reply, d.base, { title: 'Tickets', active: 'tickets', body });
  });

  // Internal version ids (audit targets, old links) lead to the help-desk ticket's page.
  r.get(
    '/tickets/v/:id',
    { schema: { params: IdParams, querystring: pageQuery() } },
    async (req, reply) => {
      const key = await ticketKeyOf(d.pool, req.params.id);
      if (!key) throw notFound(`ticket version ${req.params.id}`);
      return reply.redirect(ticketHref(d.base, key.source, key.externalId), 302);
    },
  );

  r.get(
    '/tickets/:source/:externalId',
    { schema: { params: KeyParams, querystring: pageQuery() } },
    async (req, reply) => {
      const { source, externalId } = req.params;
      const data = await ticketPage(d.pool, source, externalId);
      if (!data) throw notFound(`ticket ${source} #${externalId}`);
      const newestVersion = data.versions[0]?.id;
      const shown =
        data.results.find((x) => x.ticketId === newestVersion) ?? data.results[0] ?? undefined;
      const result = shown ? await getResult(d.pool, shown.id) : undefined;
      const verdict = result
        ? verdictCard(d.base, result, await correctionsOfResult(d.pool, result.resultId))
        : html`<section class="card"><p class="muted">Not graded yet.</p></section>`;
      const ticket = result ? ticketCard(d.base, result.ticket) : '';
      const body = ticketPageView({ base: d.base, data, verdict, ticket: html`${ticket}` });
      return render(req, reply, d.base, {
        title: `${source} #${externalId}`,
        active: 'tickets',
        body,
      });
    },
  );
}
