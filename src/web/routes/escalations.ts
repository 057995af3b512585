import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit } from '../../db/audit.js';
import {
  ESCALATION_STATUSES,
  escalationCounts,
  getEscalation,
  listEscalations,
  updateEscalation,
} from '../../db/escalations.js';
import { correctionsOfResult } from '../../db/overrides.js';
import type { Pool } from '../../db/pool.js';
import { AGE_FILTERS } from '../../format/age-filters.js';
import { notFound } from '../errors.js';
import { escalationDetail, escalationList } from '../views/escalations.js';
import { render } from './common.js';
import { choice, field, form, IdParams, one, pageQuery, text } from './inputs.js';

export interface RouteDeps {
  pool: Pool;
  base: string;
  now: () => Date;
}

const LIMITS = [200, 1000, 5000] as const;

const ListQuery = pageQuery({
  status: choice(['active', 'all', ...ESCALATION_STATUSES], 'active'),
  rule: text,
  limit: one(z.coerce.number().pipe(z.literal(LIMITS)).optional().catch(undefined)),
  age: one(
    z
      .string()
      .refine((k) => Object.hasOwn(AGE_FILTERS, k))
      .catch(''),
  ),
});

const NoteForm = form({ note: field });

/** Several escalations at once: `ids` is one value or many (one per ticked box). */
const BulkForm = form({
  ids: z.preprocess(
    (v) => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]),
    z.array(z.coerce.number().int().positive()).max(5000),
  ),
  action: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : ''),
    z.enum(['acknowledge', 'resolve'], { error: 'action must be acknowledge or resolve' }),
  ),
  note: field,
});

export function registerEscalationRoutes(app: FastifyInstance, d: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/escalations', { schema: { querystring: ListQuery } }, async (req, reply) => {
    const { status, rule, age } = req.query;
    const limit = req.query.limit ?? 200;
    const ageFilter: { olderThanMs?: number; newerThanMs?: number } = AGE_FILTERS[age] ?? {};
    const now = d.now();
    const rows = await listEscalations(
      d.pool,
      {
        status,
        rule: rule || undefined,
        olderThanMs: ageFilter.olderThanMs,
        newerThanMs: ageFilter.newerThanMs,
        limit,
      },
      now,
    );
    const nextLimit = LIMITS.find((l) => l > limit);
    const more =
      rows.length >= limit && nextLimit
        ? `${d.base}/escalations?${new URLSearchParams({ status, rule: rule ?? '', age, limit: String(nextLimit) }).toString()}`
        : undefined;
    const counts = await escalationCounts(d.pool);
    const body = escalationList({
      base: d.base,
      reviewer: req.reviewer,
      more,
      nextLimit: nextLimit ?? limit,
      rows,
      counts,
      filter: { status, rule: rule ?? '', age },
      now,
    });
    return render(req, reply, d.base, { title: 'Escalations', active: 'escalations', body });
  });

  r.get(
    '/escalations/:id',
    { schema: { params: IdParams, querystring: pageQuery() } },
    async (req, reply) => {
      const { id } = req.params;
      const found = await getEscalation(d.pool, id);
      if (!found) throw notFound(`escalation ${id}`);
      const history = await listAudit(d.pool, { target: `escalation:${id}`, limit: 50 });
      const corrections = await correctionsOfResult(d.pool, found.result.resultId);
      const body = escalationDetail({
        base: d.base,
        reviewer: req.reviewer,
        ...found,
        history,
        corrections,
      });
      return render(req, reply, d.base, {
        title: `Escalation ${id}`,
        active: 'escalations',
        body,
      });
    },
  );

  r.post('/escalations/bulk', { schema: { body: BulkForm } }, async (req, reply) => {
    const who = req.reviewer;
    if (!who) throw notFound('session');
    const { ids, action, note } = req.body;
    if (ids.length === 0) return reply.redirect(`${d.base}/escalations?done=none_selected`, 303);
    if (action === 'resolve' && !note)
      return reply.redirect(`${d.base}/escalations?done=note_required`, 303);
    const to = action === 'resolve' ? 'resolved' : 'acknowledged';
    let changed = 0;
    for (const id of ids) {
      if (
        await updateEscalation(d.pool, id, to, { name: who.name, role: who.role, via: 'web' }, note)
      )
        changed++;
    }
    const done = changed === 0 ? 'unchanged' : `bulk_${to}`;
    return reply.redirect(`${d.base}/escalations?done=${done}&n=${changed}`, 303);
  });

  for (const [path, to] of [
    ['acknowledge', 'acknowledged'],
    ['resolve', 'resolved'],
  ] as const) {
    r.post(
      `/escalations/:id/${path}`,
      { schema: { params: IdParams, body: NoteForm } },
      async (req, reply) => {
        const { id } = req.params;
        const { note } = req.body;
        if (to === 'resolved' && !note)
          return reply.redirect(`${d.base}/escalations/${id}?done=note_required`, 303);
        const who = req.reviewer;
        if (!who) throw notFound('session');
        const changed = await updateEscalation(
          d.pool,
          id,
          to,
          { name: who.name, role: who.role, via: 'web' },
          note,
        );
        return reply.redirect(
          `${d.base}/escalations/${id}?done=${changed ? to : 'unchanged'}`,
          303,
        );
      },
    );
  }
}
