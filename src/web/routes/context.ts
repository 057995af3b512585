import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { unifiedDiff } from '../../context/diff.js';
import type { Pool } from '../../db/pool.js';
import { activeContextFiles, versionWithPrevious } from '../../db/review-pages.js';
import { listVersions, restoreVersion } from '../../decisions/decisions.js';
import { badge, dateTime } from '../../format/display.js';
import { html } from '../../format/html.js';
import { notFound, ReviewError } from '../errors.js';
import { diffView } from '../views/diff.js';
import { csrfField } from '../views/layout.js';
import { render } from './common.js';
import { field, form, one, pageQuery, text } from './inputs.js';

const wholeNumber = { error: 'version must be a whole number' };
const VersionsQuery = pageQuery({
  file: text,
  /** Absent: the newest version. */
  version: one(z.coerce.number(wholeNumber).int(wholeNumber).optional()),
});

const required = { error: 'file and version are required' };
const RestoreForm = form({
  file: field.pipe(z.string().min(1, required)),
  version: field.pipe(z.coerce.number<string>(required).int(required)),
  note: field,
});

/** Context version history per file, each version's change, and restore (admins). */
export function registerContextRoutes(app: FastifyInstance, d: { pool: Pool; base: string }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/context', { schema: { querystring: pageQuery() } }, async (req, reply) => {
    const files = await activeContextFiles(d.pool);
    const body = html`<p class="small"><a href="${d.base}/proposals">← Proposals</a></p><h1>Context versions</h1>
      <p class="sub">The files the graders judge by. Every approval and restore makes a new version; none is ever rewritten.</p>
      <section class="card"><table><thead><tr><th>File</th><th class="num">Active</th><th class="num">Versions</th><th>By</th><th>Since</th></tr></thead><tbody>${files.map(
        (
          f,
        ) => html`<tr><td><a href="${d.base}/context/versions?file=${encodeURIComponent(f.file)}"><code>${f.file}</code></a></td><td class="num">v${f.version}</td>
          <td class="num">${f.versions}</td><td>${f.author}</td><td class="small">${dateTime(f.created_at)}</td></tr>`,
      )}</tbody></table></section>`;
    return render(req, reply, d.base, { title: 'Context versions', active: 'proposals', body });
  });

  r.get('/context/versions', { schema: { querystring: VersionsQuery } }, async (req, reply) => {
    const file = req.query.file ?? '';
    const versions = await listVersions(d.pool, file);
    if (versions.length === 0) throw notFound(`context file ${file}`);
    const shown = req.query.version ?? Number(versions[0]?.version);
    const pair = await versionWithPrevious(d.pool, file, shown);
    const after = pair.find((x) => x.version === shown);
    const before = pair.find((x) => x.version === shown - 1);
    const admin = req.reviewer?.role === 'admin';
    const body = html`<p class="small"><a href="${d.base}/context">← Context versions</a></p><h1><code>${file}</code></h1>
      <section class="card"><table><thead><tr><th class="num">Version</th><th>By</th><th>Note</th><th>When</th><th></th></tr></thead><tbody>${versions.map(
        (
          v,
        ) => html`<tr><td class="num"><a href="${d.base}/context/versions?file=${encodeURIComponent(file)}&version=${v.version}">v${v.version}</a></td>
        <td>${v.author}</td><td class="small">${v.note ?? ''}</td><td class="small nowrap">${dateTime(v.createdAt)}</td>
        <td>${
          v.active
            ? badge('active', 'good')
            : admin
              ? html`<form class="inline" method="post" action="${d.base}/context/restore">${csrfField(req.reviewer)}
          <input type="hidden" name="file" value="${file}"><input type="hidden" name="version" value="${v.version}">
          <input type="text" name="note" placeholder="why restore" style="width:180px"> <button class="secondary" type="submit">Restore</button></form>`
              : ''
        }</td></tr>`,
      )}</tbody></table></section>
      ${after ? html`<section class="card"><h2>v${shown}${before ? ` compared with v${shown - 1}` : ' (first version)'}</h2>${diffView(unifiedDiff(file, before?.content ?? '', after.content))}</section>` : ''}`;
    return render(req, reply, d.base, { title: file, active: 'proposals', body });
  });

  r.post(
    '/context/restore',
    { config: { reviewAdmin: true }, schema: { body: RestoreForm } },
    async (req, reply) => {
      const who = req.reviewer;
      if (!who) throw new ReviewError(401, 'login required');
      const { file, version, note } = req.body;
      await restoreVersion(d.pool, {
        file,
        version,
        reviewer: who.name,
        role: who.role,
        via: 'web',
        note: note || undefined,
      });
      return reply.redirect(
        `${d.base}/context/versions?file=${encodeURIComponent(file)}&done=restored`,
        303,
      );
    },
  );
}
