import type { FastifyInstance } from 'fastify';
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
import { field, idParam, query, render } from './common.js';

export interface RouteDeps {
  pool: Pool;
  base: string;
  now: () => Date;
}

export function registerEscalationRoutes(app: FastifyInstance, d: RouteDeps): void {
  app.get('/escalations', async (req, reply) => {
    const q = query(req);
    const statuses: string[] = ['active', 'all', ...ESCALATION_STATUSES];
    const status = statuses.includes(q.status ?? '') ? (q.status as 'active') : 'active';
    const ageKey = q.age && AGE_FILTERS[q.age] ? q.age : '';
    const ageFilter: { olderThanMs?: number; newerThanMs?: number } = AGE_FILTERS[ageKey] ?? {};
    const now = d.now();
    const rows = await listEscalations(
      d.pool,
      {
        status,
        rule: q.rule || undefined,
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
      filter: { status, rule: q.rule ?? '', age: ageKey },
      now,
    });
    return render(req, reply, d.base, { title: 'Escalations', active: 'escalations', body });
  });

  app.get('/escalations/:id', async (req, reply) => {
    const id = idParam(req);
    const found = await getEscalation(d.pool, id);
    if (!found) throw notFound(`escalation ${id}`);
    const history = await listAudit(d.pool, { target: `escalation:${id}`, limit: 50 });
    const body = escalationDetail({ base: d.base, reviewer: req.reviewer, ...found, history });
    return render(req, reply, d.base, { title: `Escalation ${id}`, active: 'escalations', body });
  });

  for (const [path, to] of [
    ['acknowledge', 'acknowledged'],
    ['resolve', 'resolved'],
  ] as const) {
    app.post(`/escalations/:id/${path}`, async (req, reply) => {
      const id = idParam(req);
      const note = field(req, 'note');
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
      return reply.redirect(`${d.base}/escalations/${id}?done=${changed ? to : 'unchanged'}`, 303);
    });
  }
}
