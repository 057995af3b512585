import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit } from '../../db/audit.js';
import type { Pool } from '../../db/pool.js';
import { badge, dateTime } from '../../format/display.js';
import { html, type SafeHtml } from '../../format/html.js';
import { render } from './common.js';
import { one, pageQuery, text } from './inputs.js';

const AuditQuery = pageQuery({
  actor: text,
  action: text,
  before: one(z.coerce.number().int().positive().optional().catch(undefined)),
});

/** `ticket:5`, `escalation:12`, `proposal:3`, `context:rubric.md` lead to their pages. */
function targetLink(base: string, target: string | null): SafeHtml | string {
  if (!target) return '';
  const [kind = '', id = ''] = target.split(/:(.*)/s);
  const href =
    kind === 'ticket' && /^\d+$/.test(id)
      ? `${base}/tickets/v/${id}`
      : kind === 'escalation' && /^\d+$/.test(id)
        ? `${base}/escalations/${id}`
        : kind === 'proposal' && /^\d+$/.test(id)
          ? `${base}/proposals/${id}`
          : kind === 'result' && /^\d+$/.test(id)
            ? `${base}/results/${id}`
            : kind === 'context'
              ? `${base}/context/versions?file=${encodeURIComponent(id)}`
              : kind === 'queue'
                ? `${base}/queue`
                : undefined;
  return href ? html`<a href="${href}">${target}</a>` : target;
}

/** Admins only: every reviewer action with who, when, from where and the note. */
export function registerAuditRoutes(app: FastifyInstance, d: { pool: Pool; base: string }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/audit',
    { config: { reviewAdmin: true }, schema: { querystring: AuditQuery } },
    async (req, reply) => {
      const q = req.query;
      const rows = await listAudit(d.pool, {
        actor: q.actor || undefined,
        action: q.action || undefined,
        beforeId: q.before,
        limit: 200,
      });
      const last = rows[rows.length - 1];
      const older =
        rows.length === 200 && last
          ? `${d.base}/audit?${new URLSearchParams({ actor: q.actor ?? '', action: q.action ?? '', before: String(last.id) }).toString()}`
          : undefined;
      const body = html`<h1>Audit log</h1><p class="sub">Every reviewer action, newest first. Visible to admins only.</p>
      <form class="filters card" method="get" action="${d.base}/audit">
        <div><label for="actor">Reviewer</label><input id="actor" type="text" name="actor" value="${q.actor ?? ''}"></div>
        <div><label for="action">Action starts with</label><input id="action" type="text" name="action" value="${q.action ?? ''}" placeholder="proposal."></div>
        <div><button type="submit">Filter</button></div></form>
      <section class="card"><table><thead><tr><th>When</th><th>Who</th><th>Via</th><th>Action</th><th>Target</th><th>Note</th></tr></thead>
      <tbody>${rows.map(
        (
          r,
        ) => html`<tr><td class="nowrap small">${dateTime(r.at)}</td><td><b>${r.actor}</b> ${badge(r.role)}</td><td>${r.via}</td>
          <td><code>${r.action}</code></td><td class="small">${targetLink(d.base, r.target)}</td><td class="small">${r.note ?? ''}</td></tr>`,
      )}</tbody></table>${rows.length === 0 ? html`<p class="muted">Nothing recorded yet.</p>` : ''}
      <nav class="pager" aria-label="Pages">${q.before ? html`<a class="button secondary" href="${d.base}/audit">« Newest</a>` : ''}${older ? html`<a class="button secondary" rel="next" href="${older}">Older »</a>` : ''}</nav></section>`;
      return render(req, reply, d.base, { title: 'Audit log', active: 'audit', body });
    },
  );
}
