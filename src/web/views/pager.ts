import { html, type SafeHtml } from '../../format/html.js';

/**
 * Keyset paging for a newest-first list: "Older »" to the next page when this
 * one is full, "« Newest" back to the first. No page numbers: an OFFSET costs
 * more the further back it goes, a keyset never does.
 */
export function pager(
  first: string,
  before: number | undefined,
  older: string | undefined,
): SafeHtml | '' {
  if (!before && !older) return '';
  return html`<nav class="pager" aria-label="Pages">${before ? html`<a class="button secondary" href="${first}">« Newest</a>` : ''}${older ? html`<a class="button secondary" rel="next" href="${older}">Older »</a>` : ''}</nav>`;
}
