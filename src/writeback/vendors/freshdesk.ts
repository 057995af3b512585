import { bodiesOf, JSON_HEADERS } from '../http.js';
import type { Step, Target, Write } from './types.js';

/**
 * Freshdesk v2: a private note, then tags. Auth: Basic base64("{api_key}:X").
 *   https://developers.freshdesk.com/api/#authentication
 */
export function freshdeskSteps(t: Target, w: Write): Step[] {
  const ticket = `${t.baseUrl}/api/v2/tickets/${encodeURIComponent(w.externalId)}`;
  const headers = { authorization: t.authorization, ...JSON_HEADERS };
  const steps: Step[] = [];
  if (t.parts.includes('note'))
    steps.push({
      name: 'note',
      // POST /api/v2/tickets/{id}/notes {"body": HTML, "private": true} → 201. `private` sent
      // explicitly; no notify_emails (nobody is pinged); no user_id (the API user is the author).
      // https://developers.freshdesk.com/api/#add_note_to_a_ticket
      run: async (send) => {
        await send({
          method: 'POST',
          url: `${ticket}/notes`,
          headers,
          body: JSON.stringify({ body: toHtml(w.note), private: true }),
        });
      },
      // GET /api/v2/tickets/{id}/conversations → [{"body","private",…}] (replies and notes).
      // https://developers.freshdesk.com/api/#list_all_ticket_notes
      landed: async (send) => {
        const got = await send({
          method: 'GET',
          url: `${ticket}/conversations?per_page=100`,
          headers: { authorization: t.authorization, accept: 'application/json' },
        });
        return bodiesOf(got.text).some((b) => b.includes(w.marker));
      },
    });
  if (t.parts.includes('tags') && (w.tags.add.length || w.tags.remove.length))
    steps.push({
      name: 'tags',
      // PUT /api/v2/tickets/{id} {"tags":[…]} REPLACES the tag list, and there is no add-tags
      // endpoint: read the ticket, merge, write only `tags` (other fields could fail validation).
      // https://developers.freshdesk.com/api/#view_a_ticket
      // https://developers.freshdesk.com/api/#update_ticket
      run: async (send) => {
        const got = await send({
          method: 'GET',
          url: ticket,
          headers: { authorization: t.authorization, accept: 'application/json' },
        });
        const current = tagsOf(got.text);
        const tags = [
          ...new Set([...current.filter((x) => !w.tags.remove.includes(x)), ...w.tags.add]),
        ];
        await send({ method: 'PUT', url: ticket, headers, body: JSON.stringify({ tags }) });
      },
    });
  return steps;
}

function tagsOf(text: string): string[] {
  try {
    const t = (JSON.parse(text) as { tags?: unknown }).tags;
    return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Freshdesk note bodies are HTML: escape, keep the lines. */
function toHtml(text: string): string {
  const esc = text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
  return esc
    .split('\n')
    .map((l) => `<div>${l}</div>`)
    .join('');
}
