import { z } from 'zod';
import type { Comment, TicketInput } from '../../ticket/schema.js';
import { verifySharedSecret } from '../auth.js';
import { optionalDeliveryId } from './delivery-id.js';
import { type Fillable, partialTicket } from './fill.js';
import { Priority, person, priority, Status, statusOrUndefined } from './freshdesk-fields.js';
import { fromRest, Rest, restBody } from './freshdesk-rest.js';
import { UNKNOWN, type VendorApiOptions } from './lookup.js';
import { type MapResult, parseVendor, type SourceAdapter } from './types.js';
import { compact, htmlToText, optText, scalar, toIsoTime, vendorId } from './util.js';

/**
 * Freshdesk "Trigger webhook" automation action. Freshdesk signs nothing, so
 * the rule must send our shared secret (Basic auth or a token header). Two
 * bodies are read: the "Simple" JSON (`freshdesk_webhook` with `ticket_*`
 * keys, which carries only the latest comments) and a REST-shaped body
 * (`ticket`, optional `conversations` and `time_entries`).
 */

// Placeholders render as text: ids may be strings, times in the account's
// format. A time we cannot read is treated as not sent (filled, flagged).
const lenientTime = z
  .string()
  .nullish()
  .transform((v) => (v ? toIsoTime(v) : undefined));

const Simple = z.object({
  freshdesk_webhook: z
    .object({
      ticket_id: vendorId,
      ticket_subject: optText,
      ticket_description: optText,
      ticket_status: Status.nullish(),
      ticket_priority: Priority,
      ticket_type: optText,
      ticket_tags: z.union([z.string(), z.array(z.string().max(200)).max(500)]).nullish(),
      ticket_contact_name: optText,
      ticket_contact_email: optText,
      ticket_requester_name: optText,
      ticket_requester_email: optText,
      // Freshdesk's own example template (and Zulip's guide) names them without the prefix.
      requester_name: optText,
      requester_email: optText,
      ticket_agent_name: optText,
      ticket_agent_email: optText,
      ticket_group_name: optText,
      ticket_company_name: optText,
      ticket_created_at: lenientTime,
      ticket_updated_at: lenientTime,
      ticket_latest_public_comment: optText,
      ticket_latest_private_comment: optText,
    })
    .catchall(z.unknown()),
});

export interface FreshdeskOptions {
  api?: VendorApiOptions | undefined;
  /** Custom fields (`cf_*`) the grader sees (SOURCE_CUSTOM_FIELDS). */
  customFields?: readonly string[];
}

export function freshdeskAdapter(opts: FreshdeskOptions = {}): SourceAdapter {
  const customFields = new Set(opts.customFields ?? []);
  return {
    auth: 'shared secret: Basic user:password, Authorization: Bearer <token> or X-Webhook-Token',
    verify: ({ headers }, secrets) => verifySharedSecret(headers, secrets),
    async map(body, ctx): Promise<MapResult> {
      const deliveryId = optionalDeliveryId(ctx.headers);
      if (body && typeof body === 'object' && 'freshdesk_webhook' in body) {
        const simple = parseVendor(Simple, body, 'Freshdesk webhook');
        return fromSimple(simple, ctx.source, customFields, deliveryId);
      }
      const ticket = await fromRest(
        parseVendor(Rest, restBody(body), 'Freshdesk ticket'),
        ctx.source,
        {
          api: opts.api,
          customFields,
        },
      );
      return { kind: 'ticket', ticket, deliveryId };
    },
  };
}

function fromSimple(
  { freshdesk_webhook: w }: z.infer<typeof Simple>,
  source: string,
  allowed: ReadonlySet<string>,
  deliveryId: string | undefined,
): MapResult {
  const receivedAt = new Date().toISOString();
  const updatedAt = w.ticket_updated_at ?? receivedAt;
  const createdAt = w.ticket_created_at ?? updatedAt;
  const filled: Record<string, string> = {};
  let st: TicketInput['status'] | undefined;
  if (w.ticket_status !== undefined && w.ticket_status !== null) {
    st = statusOrUndefined(w.ticket_status);
    if (!st) {
      // A custom status label: Freshdesk's own custom statuses are "waiting on …" states.
      st = 'pending';
      filled.status = `custom status "${String(w.ticket_status).slice(0, 100)}" read as pending`;
    }
  }
  const latest = (body: string | undefined, isPublic: boolean): Comment[] =>
    body
      ? [
          {
            author: UNKNOWN,
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
    const name = k.slice('ticket_'.length);
    const s = k.startsWith('ticket_cf_') && allowed.has(name) ? scalar(v) : undefined;
    if (s !== undefined) customFields[name] = s;
  }
  if (w.ticket_group_name) customFields.group = w.ticket_group_name;
  const ticket: TicketInput = compact({
    source,
    externalId: w.ticket_id,
    subject: w.ticket_subject ?? '',
    description: htmlToText(w.ticket_description ?? ''),
    status: st ?? 'open',
    priority: priority(w.ticket_priority),
    category: w.ticket_type,
    requester: person(
      w.ticket_requester_name ?? w.ticket_contact_name ?? w.requester_name,
      w.ticket_requester_email ?? w.ticket_contact_email ?? w.requester_email,
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
    filled: Object.keys(filled).length > 0 ? filled : undefined,
  });
  const missing = new Set<Fillable>();
  if (!w.ticket_updated_at) missing.add('updatedAt');
  if (!w.ticket_created_at) missing.add('createdAt');
  if (st === undefined) missing.add('status');
  if (w.ticket_subject === undefined) missing.add('subject');
  // Only the latest comments come: the ones earlier rules sent are kept.
  return partialTicket({ ticket, missing, mergeComments: true, receivedAt, deliveryId });
}
