import type { Logger } from 'pino';
import { z } from 'zod';
import type { Comment, TicketInput } from '../../ticket/schema.js';
import { verifyZendeskSignature } from '../auth.js';
import { invalidBody } from '../errors.js';
import { type Fillable, partialTicket } from './fill.js';
import { LookupCache, personOrUnknown, UNKNOWN } from './lookup.js';
import { type MapResult, parseVendor, type SourceAdapter } from './types.js';
import {
  compact,
  fieldsOf,
  lookup,
  optText,
  scalar,
  toIsoTime,
  vendorId,
  vendorTime,
} from './util.js';
import {
  fetchZendeskThread,
  fetchZendeskTicket,
  lookupZendeskOrganization,
  lookupZendeskUsers,
  rememberUsers,
  type ZendeskApiOptions,
  zendeskLookupApi,
} from './zendesk-api.js';

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

// Every field but the id may be missing: ticket.status_changed can carry only
// {id, status} or {id, tags}, a minimal ticket.created has no subject.
const Detail = z.object({
  id: vendorId,
  subject: optText,
  description: optText,
  status: z.string().min(1).nullish(),
  priority: z.string().nullish(),
  type: z.string().nullish(),
  created_at: vendorTime.nullish(),
  updated_at: vendorTime.nullish(),
  requester_id: optId,
  assignee_id: optId,
  organization_id: optId,
  group_id: optId,
  brand_id: optId,
  form_id: optId,
  custom_status: optId,
  external_id: z.union([z.string(), z.number()]).nullish(),
  tags: z.array(z.string().max(200)).max(500).nullish(),
  via: z.object({ channel: z.string().nullish() }).nullish(),
  custom_fields: z.array(z.object({ id: vendorId, value: z.unknown() })).nullish(),
});
type Detail = z.infer<typeof Detail>;

/** `event.current` of status_changed: a status string, or `{status}` on ticket.created. */
function statusFromEvent(event: unknown): string | undefined {
  const cur = (event as { current?: unknown } | null | undefined)?.current;
  if (typeof cur === 'string' && cur) return cur;
  const st = (cur as { status?: unknown } | null | undefined)?.status;
  return typeof st === 'string' && st ? st : undefined;
}

/** Fills a sparse detail from the Tickets API object (fields the event already has win). */
function withApiTicket(d: Detail, t: Record<string, unknown> | undefined): Detail {
  if (!t) return d;
  const r = Detail.safeParse({ ...t, id: d.id });
  if (!r.success) return d;
  const merged: Record<string, unknown> = { ...r.data };
  for (const [k, v] of Object.entries(d)) if (v !== undefined && v !== null) merged[k] = v;
  return merged as Detail;
}

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

export interface ZendeskOptions {
  api?: ZendeskApiOptions | undefined;
  logger: Logger;
  fetch?: typeof fetch;
  /** Ticket field ids (`custom_fields[].id`) the grader sees (SOURCE_CUSTOM_FIELDS). */
  customFields?: readonly string[];
  lookupTtlMs?: number;
}

export function zendeskAdapter(opts: ZendeskOptions): SourceAdapter {
  const { api, logger } = opts;
  const allowed = new Set(opts.customFields ?? []);
  const cache = new LookupCache(opts.lookupTtlMs ?? 3_600_000);
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
      const receivedAt = new Date().toISOString();
      const lookups = api
        ? zendeskLookupApi(api, opts.fetch ?? ctx.fetch, cache, logger)
        : undefined;
      let d = parseVendor(Detail, env.detail, 'Zendesk ticket', 'detail');
      if (!d.status) d = { ...d, status: statusFromEvent(env.event) };
      const sparse = !d.status || d.subject === undefined || !d.updated_at;
      if (lookups && sparse) d = withApiTicket(d, await fetchZendeskTicket(lookups, d.id));
      const rawStatus = d.status ?? undefined;
      const status = rawStatus ? lookup(STATUS, rawStatus.toLowerCase()) : undefined;
      if (rawStatus && !status)
        throw invalidBody([
          { path: 'detail.status', message: `unknown Zendesk status "${rawStatus}"` },
        ]);
      const priority = d.priority ? lookup(PRIORITY, d.priority.toLowerCase()) : 'normal';
      if (!priority)
        throw invalidBody([
          { path: 'detail.priority', message: `unknown Zendesk priority "${d.priority}"` },
        ]);

      const thread = api ? await fetchZendeskThread(d.id, api, ctx.fetch, logger) : undefined;
      if (thread && lookups) rememberUsers(lookups, thread.people);
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
      const ids = [d.requester_id, d.assignee_id].filter((x): x is string => !!x);
      const names = lookups ? await lookupZendeskUsers(lookups, ids) : new Map();
      const person = (id: string | undefined) =>
        id ? personOrUnknown(id, thread?.people.get(id) ?? names.get(id)) : undefined;
      const org =
        d.organization_id && lookups
          ? await lookupZendeskOrganization(lookups, d.organization_id)
          : undefined;
      const updatedAt = d.updated_at ?? (env.time ? toIsoTime(env.time) : undefined);
      const filled: Record<string, string> = {};
      if (!d.updated_at && updatedAt) filled.updatedAt = 'event time';
      const customFields = fieldsOf({
        group_id: d.group_id,
        brand_id: d.brand_id,
        form_id: d.form_id,
        custom_status: d.custom_status,
        channel: d.via?.channel ?? undefined,
        zendesk_external_id:
          d.external_id === null || d.external_id === undefined ? undefined : String(d.external_id),
      });
      for (const f of d.custom_fields ?? []) {
        const v = scalar(f.value);
        if (allowed.has(f.id) && v !== undefined) customFields[`field_${f.id}`] = v;
      }
      const closed = status === 'solved' || status === 'closed';
      const ticket: TicketInput = compact({
        source: ctx.source,
        externalId: d.id,
        subject: d.subject ?? '',
        description,
        status: status ?? 'open',
        priority,
        category: d.type ? d.type.toLowerCase() : undefined,
        requester: person(d.requester_id),
        assignee: person(d.assignee_id),
        organization: d.organization_id ? (org?.name ?? UNKNOWN) : undefined,
        organizationId: d.organization_id,
        createdAt: d.created_at ?? updatedAt ?? receivedAt,
        updatedAt: updatedAt ?? receivedAt,
        // The event payload has no solved-at; the update that solved it is the best we know.
        closedAt: closed ? (updatedAt ?? receivedAt) : undefined,
        comments,
        tags: d.tags ?? [],
        customFields,
        threadIncomplete: !thread?.complete,
        filled: Object.keys(filled).length > 0 ? filled : undefined,
      });
      // What the event left out comes from the stored version (or is filled and flagged).
      const missing = new Set<Fillable>();
      if (!rawStatus) missing.add('status');
      if (d.subject === undefined) missing.add('subject');
      if (d.description === undefined) missing.add('description');
      if (!d.priority) missing.add('priority');
      if (!d.type) missing.add('category');
      if (!d.requester_id) missing.add('requester');
      if (!d.assignee_id) missing.add('assignee');
      if (!d.organization_id) missing.add('organization').add('organizationId');
      if (!d.tags) missing.add('tags');
      if (!d.created_at) missing.add('createdAt');
      if (!updatedAt) missing.add('updatedAt');
      return partialTicket({
        ticket,
        missing,
        // Without the whole thread, the comments events brought before are kept.
        mergeComments: !thread?.complete,
        receivedAt,
        deliveryId: env.id,
      });
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
      author: c.author?.name ?? (c.author?.id ? UNKNOWN : 'Zendesk'),
      ...(c.author?.id && !c.author.name ? { authorId: c.author.id } : {}),
      role: c.author?.is_staff === false ? 'customer' : 'agent',
      public: c.is_public ?? true,
      body: c.body,
      at: at.data,
    },
  ];
}
