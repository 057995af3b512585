import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { listAudit } from '../../db/audit.js';
import type { Pool } from '../../db/pool.js';
import { badge, dateTime } from '../../format/display.js';
import { html } from '../../format/html.js';
import { render } from './common.js';
import { pageQuery, text } from './inputs.js';

const AuditQuery = pageQuery({ actor: text, action: text });

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
        limit: 200,
      });
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
          <td><code>${r.action}</code></td><td class="small">${r.target ?? ''}</td><td class="small">${r.note ?? ''}</td></tr>`,
      )}</tbody></table>${rows.length === 0 ? html`<p class="muted">Nothing recorded yet.</p>` : ''}</section>`;
      return render(req, reply, d.base, { title: 'Audit log', active: 'audit', body });
    },
  );
}
