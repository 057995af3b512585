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

const ListQuery = pageQuery({
  status: choice(['active', 'all', ...ESCALATION_STATUSES], 'active'),
  rule: text,
  age: one(
    z
      .string()
      .refine((k) => Object.hasOwn(AGE_FILTERS, k))
      .catch(''),
  ),
});

const NoteForm = form({ note: field });

export function registerEscalationRoutes(app: FastifyInstance, d: RouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/escalations', { schema: { querystring: ListQuery } }, async (req, reply) => {
    const { status, rule, age } = req.query;
    const ageFilter: { olderThanMs?: number; newerThanMs?: number } = AGE_FILTERS[age] ?? {};
    const now = d.now();
    const rows = await listEscalations(
      d.pool,
      {
        status,
        rule: rule || undefined,
        olderThanMs: ageFilter.olderThanMs,
        newerThanMs: ageFilter.newerThanMs,
      },
      now,
    );
    const counts = await escalationCounts(d.pool);
    const body = escalationList({
      base: d.base,
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
      const body = escalationDetail({ base: d.base, reviewer: req.reviewer, ...found, history });
      return render(req, reply, d.base, {
        title: `Escalation ${id}`,
        active: 'escalations',
        body,
      });
    },
  );

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
