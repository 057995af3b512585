import { html, type SafeHtml } from '../../format/html.js';

/** Every help-desk id on every page links to its ticket page: one way to build that link. */

export function ticketHref(base: string, source: string, externalId: string): string {
  return `${base}/tickets/${encodeURIComponent(source)}/${encodeURIComponent(externalId)}`;
}

/** "zendesk #4711" as a link to the ticket page. */
export function ticketLink(base: string, source: string, externalId: string): SafeHtml {
  return html`<a href="${ticketHref(base, source, externalId)}">${source} #${externalId}</a>`;
}

/** A ticket version by its internal id: the server redirects to the help-desk ticket's page. */
export function versionHref(base: string, ticketId: number): string {
  return `${base}/tickets/v/${ticketId}`;
}
