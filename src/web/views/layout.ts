import { html, type Part, raw, type SafeHtml, toHtmlString } from '../../format/html.js';
import type { Reviewer } from '../deps.js';
import { STYLE } from './style.js';

export interface PageArgs {
  title: string;
  reviewer: Reviewer | null;
  /** Which nav item is highlighted. */
  active?: string;
  body: Part;
  flash?: { text: string; error?: boolean } | undefined;
  /** Extra <head> content (e.g. diff2html's stylesheet on proposal pages). */
  head?: SafeHtml;
  base: string;
}

const NAV: { id: string; href: string; label: string; admin?: boolean }[] = [
  { id: 'today', href: '/', label: 'Today' },
  { id: 'tickets', href: '/tickets', label: 'Tickets' },
  { id: 'escalations', href: '/escalations', label: 'Escalations' },
  { id: 'overrides', href: '/overrides', label: 'Overrides' },
  { id: 'technicians', href: '/technicians', label: 'Technicians' },
  { id: 'proposals', href: '/proposals', label: 'Proposals' },
  { id: 'trends', href: '/trends', label: 'Trends' },
  { id: 'costs', href: '/costs', label: 'Costs & quality' },
  { id: 'supervision', href: '/supervision', label: 'Cost of supervision' },
  { id: 'queues', href: '/queue', label: 'Queue' },
  { id: 'audit', href: '/audit', label: 'Audit log', admin: true },
];

/** Every form posts its session's CSRF token; this is the one place that writes it. */
export function csrfField(reviewer: Reviewer | null): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${reviewer?.csrf ?? ''}">`;
}

export function page(a: PageArgs): string {
  const r = a.reviewer;
  const nav = NAV.filter((n) => !n.admin || r?.role === 'admin').map(
    (n) =>
      html`<a href="${a.base}${n.href}" class="${n.id === a.active ? 'on' : ''}" ${n.id === a.active ? html`aria-current="page"` : ''}>${n.label}</a>`,
  );
  const who = r
    ? html`<div class="who"><span>${r.name} · ${r.role}</span>
        <form class="inline" method="post" action="${a.base}/logout">${csrfField(r)}<button>Log out</button></form></div>`
    : '';
  return toHtmlString(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${a.title} · ticket-qc review</title><style>${raw(STYLE)}</style><script src="${a.base}/static/app.js"></script>${a.head ?? ''}</head>
<body><a class="skip" href="#main">Skip to content</a><header class="top"><div class="topbar"><a class="brand" href="${a.base}/">ticket-qc review</a>
${r ? html`<button type="button" class="menu-button" aria-expanded="false" aria-controls="nav">Menu</button><nav id="nav" aria-label="Pages">${nav}</nav>` : ''}${who}</div></header>
<main id="main" tabindex="-1">${a.flash ? html`<div class="flash ${a.flash.error ? 'error' : ''}" role="status">${a.flash.text}</div>` : ''}${a.body}</main>
</body></html>`);
}
