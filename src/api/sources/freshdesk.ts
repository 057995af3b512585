import { z } from 'zod';
import type { Comment, TicketInput } from '../../ticket/schema.js';
import { verifySharedSecret } from '../auth.js';
import { invalidBody } from '../errors.js';
import { optionalDeliveryId } from './delivery-id.js';
import { Priority, person, priority, Status, status } from './freshdesk-fields.js';
import { fromRest, Rest } from './freshdesk-rest.js';
import { type MapResult, parseVendor, type SourceAdapter } from './types.js';
import { compact, htmlToText, optText, scalar, vendorId, vendorTime } from './util.js';

/**
 * Freshdesk "Trigger webhook" automation action. Freshdesk signs nothing, so
 * the rule must send our shared secret (Basic auth or a token header). Two
 * bodies are read: the "Simple" JSON (`freshdesk_webhook` with `ticket_*`
 * keys, which carries only the latest comments) and a REST-shaped body
 * (`ticket`, optional `conversations` and `time_entries`).
 */

const Simple = z.object({
  freshdesk_webhook: z
    .object({
      ticket_id: vendorId,
      ticket_subject: optText,
      ticket_description: optText,
      ticket_status: Status,
      ticket_priority: Priority,
      ticket_type: optText,
      ticket_tags: z.union([z.string(), z.array(z.string().max(200)).max(500)]).nullish(),
      ticket_contact_name: optText,
      ticket_contact_email: optText,
      ticket_requester_name: optText,
      ticket_requester_email: optText,
      ticket_agent_name: optText,
      ticket_agent_email: optText,
      ticket_group_name: optText,
      ticket_company_name: optText,
      ticket_created_at: vendorTime.optional(),
      ticket_updated_at: vendorTime.optional(),
      ticket_latest_public_comment: optText,
      ticket_latest_private_comment: optText,
    })
    .catchall(z.unknown()),
});

export const freshdeskAdapter: SourceAdapter = {
  auth: 'shared secret: Basic user:password, Authorization: Bearer <token> or X-Webhook-Token',
  verify: ({ headers }, secrets) => verifySharedSecret(headers, secrets),
  async map(body, ctx): Promise<MapResult> {
    const deliveryId = optionalDeliveryId(ctx.headers);
    if (body && typeof body === 'object' && 'freshdesk_webhook' in body) {
      return {
        kind: 'ticket',
        ticket: fromSimple(parseVendor(Simple, body, 'Freshdesk webhook'), ctx.source),
        deliveryId,
      };
    }
    return {
      kind: 'ticket',
      ticket: fromRest(parseVendor(Rest, body, 'Freshdesk ticket'), ctx.source),
      deliveryId,
    };
  },
};

function fromSimple({ freshdesk_webhook: w }: z.infer<typeof Simple>, source: string): TicketInput {
  const updatedAt = w.ticket_updated_at;
  const createdAt = w.ticket_created_at ?? updatedAt;
  if (!updatedAt || !createdAt) {
    throw invalidBody([
      {
        path: 'freshdesk_webhook.ticket_updated_at',
        message: "required: add the ticket's updated time (ISO-8601) to the rule's JSON",
      },
    ]);
  }
  const st = status(w.ticket_status, 'freshdesk_webhook.ticket_status');
  const latest = (body: string | undefined, isPublic: boolean): Comment[] =>
    body
      ? [
          {
            author: 'unknown',
            role: 'agent',
            public: isPublic,
            body: htmlToText(body),
            at: updatedAt,
          },
        ]
      : [];
  const tags =
    typeof w.ticket_tags === 'string'
      ? w.ticket_tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : (w.ticket_tags ?? []);
  const customFields: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(w)) {
    const s = k.startsWith('ticket_cf_') ? scalar(v) : undefined;
    if (s !== undefined) customFields[k.slice('ticket_'.length)] = s;
  }
  if (w.ticket_group_name) customFields.group = w.ticket_group_name;
  return compact({
    source,
    externalId: w.ticket_id,
    subject: w.ticket_subject ?? '',
    description: htmlToText(w.ticket_description ?? ''),
    status: st,
    priority: priority(w.ticket_priority),
    category: w.ticket_type,
    requester: person(
      w.ticket_requester_name ?? w.ticket_contact_name,
      w.ticket_requester_email ?? w.ticket_contact_email,
    ),
    assignee: person(w.ticket_agent_name, w.ticket_agent_email),
    organization: w.ticket_company_name,
    createdAt,
    updatedAt,
    closedAt: st === 'solved' || st === 'closed' ? updatedAt : undefined,
    comments: [
      ...latest(w.ticket_latest_public_comment, true),
      ...latest(w.ticket_latest_private_comment, false),
    ],
    tags,
    customFields,
    // The Simple body carries only the latest public and private comment.
    threadIncomplete: true,
  });
}
