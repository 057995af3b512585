import type { Logger } from 'pino';
import { z } from 'zod';
import type { Comment, TicketInput } from '../../ticket/schema.js';
import { verifyZendeskSignature } from '../auth.js';
import { invalidBody } from '../errors.js';
import { type MapResult, parseVendor, type SourceAdapter } from './types.js';
import { compact, fieldsOf, lookup, optText, vendorId, vendorTime } from './util.js';
import { fetchZendeskThread, type ZendeskApiOptions } from './zendesk-api.js';

/**
 * Zendesk event webhooks (`zen:event-type:ticket.*`): the ticket is in
 * `detail`, the comments are not — they are read through the Tickets API when
 * it is configured, otherwise the ticket is marked thread-incomplete.
 */

const Envelope = z.object({
  type: z
    .string()
    .regex(/^zen:event-type:[a-z_]+\.[a-z_]+$/, 'a zen:event-type:<domain>.<event> type'),
  id: z.string().min(1).max(200),
  time: z.string().optional(),
  detail: z.unknown(),
  event: z.unknown().optional(),
});

// Zendesk sends "0" for an unset id.
const optId = vendorId
  .nullish()
  .transform((v) => (v === undefined || v === null || v === '0' ? undefined : v));

const Detail = z.object({
  id: vendorId,
  subject: optText,
  description: optText,
  status: z.string().min(1),
  priority: z.string().nullish(),
  type: z.string().nullish(),
  created_at: vendorTime,
  updated_at: vendorTime,
  requester_id: optId,
  assignee_id: optId,
  organization_id: optId,
  group_id: optId,
  brand_id: optId,
  form_id: optId,
  custom_status: optId,
  external_id: z.string().nullish(),
  tags: z.array(z.string().max(200)).max(500).nullish(),
  via: z.object({ channel: z.string().nullish() }).nullish(),
});

const EventComment = z.object({
  comment: z.object({
    body: z.string(),
    is_public: z.boolean().nullish(),
    author: z
      .object({
        id: vendorId.nullish(),
        name: z.string().nullish(),
        is_staff: z.boolean().nullish(),
      })
      .nullish(),
  }),
});

const STATUS: Record<string, TicketInput['status']> = {
  new: 'new',
  open: 'open',
  pending: 'pending',
  hold: 'on_hold',
  'on-hold': 'on_hold',
  on_hold: 'on_hold',
  solved: 'solved',
  closed: 'closed',
};
const PRIORITY: Record<string, TicketInput['priority']> = {
  low: 'low',
  normal: 'normal',
  high: 'high',
  urgent: 'urgent',
};

// Events after which there is no ticket version to grade.
const NO_VERSION = new Set(['soft_deleted', 'permanently_deleted', 'marked_as_spam', 'merged']);

export function zendeskAdapter(api: ZendeskApiOptions | undefined, logger: Logger): SourceAdapter {
  return {
    auth: 'X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + body))',
    verify: ({ headers, raw }, secrets, now) => verifyZendeskSignature(headers, raw, secrets, now),
    async map(body, ctx): Promise<MapResult> {
      const env = parseVendor(Envelope, body, 'Zendesk event');
      const [domain, event] = env.type.slice('zen:event-type:'.length).split('.');
      if (domain !== 'ticket')
        return { kind: 'ignored', reason: `${env.type} is not a ticket event` };
      if (event && NO_VERSION.has(event))
        return { kind: 'ignored', reason: `${env.type} leaves no ticket version to grade` };
      const d = parseVendor(Detail, env.detail, 'Zendesk ticket', 'detail');
      const status = lookup(STATUS, d.status.toLowerCase());
      if (!status)
        throw invalidBody([
          { path: 'detail.status', message: `unknown Zendesk status "${d.status}"` },
        ]);
      const priority = d.priority ? lookup(PRIORITY, d.priority.toLowerCase()) : 'normal';
      if (!priority)
        throw invalidBody([
          { path: 'detail.priority', message: `unknown Zendesk priority "${d.priority}"` },
        ]);

      const thread = api ? await fetchZendeskThread(d.id, api, ctx.fetch, logger) : undefined;
      const description = d.description ?? '';
      let comments: Comment[];
      if (thread) {
        // Zendesk's first comment is the description itself: keep it once.
        comments = thread.comments.filter(
          (c, i) => !(i === 0 && c.body.trim() === description.trim()),
        );
      } else {
        comments = commentFromEvent(env.event, env.time) ?? [];
      }
      const person = (id: string | undefined) =>
        id ? (thread?.people.get(id) ?? { id }) : undefined;
      const ticket: TicketInput = compact({
        source: ctx.source,
        externalId: d.id,
        subject: d.subject ?? '',
        description,
        status,
        priority,
        category: d.type ? d.type.toLowerCase() : undefined,
        requester: person(d.requester_id),
        assignee: person(d.assignee_id),
        organization: d.organization_id,
        createdAt: d.created_at,
        updatedAt: d.updated_at,
        // The event payload has no solved-at; the update that solved it is the best we know.
        closedAt: status === 'solved' || status === 'closed' ? d.updated_at : undefined,
        comments,
        tags: d.tags ?? [],
        customFields: fieldsOf({
          group_id: d.group_id,
          brand_id: d.brand_id,
          form_id: d.form_id,
          custom_status: d.custom_status,
          channel: d.via?.channel ?? undefined,
          zendesk_external_id: d.external_id ?? undefined,
        }),
        threadIncomplete: !thread?.complete,
      });
      return { kind: 'ticket', ticket, deliveryId: env.id };
    },
  };
}

/** `ticket.comment_added` carries the one new comment: better than none when the API is not configured. */
function commentFromEvent(event: unknown, time: string | undefined): Comment[] | undefined {
  const r = EventComment.safeParse(event);
  const at = time ? vendorTime.safeParse(time) : undefined;
  if (!r.success || !at?.success) return undefined;
  const c = r.data.comment;
  return [
    {
      author: c.author?.name ?? (c.author?.id ? `user ${c.author.id}` : 'Zendesk'),
      role: c.author?.is_staff === false ? 'customer' : 'agent',
      public: c.is_public ?? true,
      body: c.body,
      at: at.data,
    },
  ];
}
