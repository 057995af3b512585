import { bodiesOf, JSON_HEADERS } from '../http.js';
import type { Step, Target, Write } from './types.js';

/**
 * Zendesk Support: a private comment through the Tickets API, then tags.
 * Auth: Basic base64("{email}/token:{api_token}")
 *   https://support.zendesk.com/hc/en-us/articles/4408831452954
 */
export function zendeskSteps(t: Target, w: Write): Step[] {
  const ticket = `${t.baseUrl}/api/v2/tickets/${encodeURIComponent(w.externalId)}`;
  const headers = { authorization: t.authorization, ...JSON_HEADERS };
  const steps: Step[] = [];
  if (t.parts.includes('note'))
    steps.push({
      name: 'note',
      // PUT /api/v2/tickets/{id}.json {"ticket":{"comment":{"body","public":false}}} → 200.
      // Comments are created through Update Ticket; `public` is sent explicitly false (the
      // default follows the ticket's first comment, which is public).
      // https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/
      // https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/#update-ticket
      run: async (send) => {
        await send({
          method: 'PUT',
          url: `${ticket}.json`,
          headers,
          body: JSON.stringify({ ticket: { comment: { body: w.note, public: false } } }),
        });
      },
      // GET /api/v2/tickets/{id}/comments.json?sort_order=desc → {"comments":[{"body",…}]}: newest first.
      // https://developer.zendesk.com/api-reference/ticketing/tickets/ticket_comments/#list-comments
      landed: async (send) => {
        const got = await send({
          method: 'GET',
          url: `${ticket}/comments.json?sort_order=desc`,
          headers: { authorization: t.authorization, accept: 'application/json' },
        });
        return bodiesOf(got.text, 'comments').some((b) => b.includes(w.marker));
      },
    });
  if (t.parts.includes('tags') && w.tags.remove.length)
    steps.push({
      name: 'tags-remove',
      // DELETE /api/v2/tickets/{id}/tags {"tags":[…]} → 200: removes only these tags.
      // https://developer.zendesk.com/api-reference/ticketing/ticket-management/tags/#remove-tags
      run: async (send) => {
        await send({
          method: 'DELETE',
          url: `${ticket}/tags`,
          headers,
          body: JSON.stringify({ tags: w.tags.remove }),
        });
      },
    });
  if (t.parts.includes('tags') && w.tags.add.length)
    steps.push({
      name: 'tags',
      // PUT /api/v2/tickets/{id}/tags {"tags":[…]} → 200: adds without replacing (Update
      // Ticket's `tags` would REPLACE every tag on the ticket).
      // https://developer.zendesk.com/api-reference/ticketing/ticket-management/tags/#add-tags
      // https://developer.zendesk.com/documentation/ticketing/managing-tickets/adding-tags-to-tickets-without-overwriting-existing-tags
      run: async (send) => {
        await send({
          method: 'PUT',
          url: `${ticket}/tags`,
          headers,
          body: JSON.stringify({ tags: w.tags.add }),
        });
      },
    });
  return steps;
}
