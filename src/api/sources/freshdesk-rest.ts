import { z } from 'zod';
import type { Comment, TicketInput, TimeEntry } from '../../ticket/schema.js';
import { type FreshdeskEntity, fetchConversations, lookupFreshdesk } from './freshdesk-api.js';
import { Priority, priority, Status, status } from './freshdesk-fields.js';
import { type Named, UNKNOWN, type VendorApiOptions } from './lookup.js';
import { compact, htmlToText, optText, scalar, vendorId, vendorTime } from './util.js';

/**
 * The REST-shaped Freshdesk body (`ticket` as the Tickets API returns it, plus
 * optional `conversations` and `time_entries`): what an integrator sends from
 * a custom app or a "Trigger API" rule when the whole thread matters.
 */

const RestTicket = z.object({
  id: vendorId,
  subject: optText,
  description_text: optText,
  description: optText,
  status: Status,
  priority: Priority,
  type: optText,
  tags: z.array(z.string().max(200)).max(500).nullish(),
  requester: z.object({ name: optText, email: optText, id: vendorId.nullish() }).nullish(),
  responder: z.object({ name: optText, email: optText, id: vendorId.nullish() }).nullish(),
  company: z.object({ name: optText, id: vendorId.nullish() }).nullish(),
  requester_id: vendorId.nullish(),
  responder_id: vendorId.nullish(),
  company_id: vendorId.nullish(),
  group_id: vendorId.nullish(),
  created_at: vendorTime,
  updated_at: vendorTime,
  custom_fields: z.record(z.string(), z.unknown()).nullish(),
});

/** The API v2 ticket, bare (as `GET /api/v2/tickets/{id}` returns it) or wrapped in `ticket`. */
export const Rest = z.object({
  ticket: RestTicket,
  conversations: z
    .array(
      z.object({
        body_text: optText,
        body: optText,
        private: z.boolean().nullish(),
        incoming: z.boolean().nullish(),
        from_email: optText,
        user_id: vendorId.nullish(),
        source: z.number().nullish(),
        created_at: vendorTime,
      }),
    )
    .max(2_000)
    .optional(),
  time_entries: z
    .array(
      z.object({
        time_spent: z.string().regex(/^\d{1,4}:\d{2}$/, 'hh:mm'),
        note: optText,
        agent_id: vendorId.nullish(),
        executed_at: vendorTime.nullish(),
      }),
    )
    .max(2_000)
    .optional(),
});

export interface RestOptions {
  api?: VendorApiOptions | undefined;
  customFields: ReadonlySet<string>;
}

/** A body is a bare API ticket when it has the ticket's own keys at the top. */
export function restBody(body: unknown): unknown {
  if (body && typeof body === 'object' && !('ticket' in body) && 'id' in body && 'status' in body)
    return { ticket: body };
  return body;
}

type Conversation = NonNullable<z.infer<typeof Rest>['conversations']>[number];

export async function fromRest(
  { ticket: t, conversations, time_entries }: z.infer<typeof Rest>,
  source: string,
  o: RestOptions,
): Promise<TicketInput> {
  const st = status(t.status, 'ticket.status');
  const { api } = o;
  let convs: Conversation[] | undefined = conversations;
  if (!convs && api) {
    const fetched = await fetchConversations(api, t.id);
    const parsed = fetched ? Rest.shape.conversations.safeParse(fetched) : undefined;
    if (parsed?.success) convs = parsed.data;
  }
  const look = (entity: FreshdeskEntity, id: string | null | undefined) =>
    api && id ? lookupFreshdesk(api, entity, id) : Promise.resolve(undefined);
  const requesterId = t.requester?.id ?? t.requester_id ?? undefined;
  const responderId = t.responder?.id ?? t.responder_id ?? undefined;
  const companyId = t.company?.id ?? t.company_id ?? undefined;
  const [requester, responder, company, group] = await Promise.all([
    t.requester?.name ? undefined : look('contacts', requesterId),
    t.responder?.name ? undefined : look('agents', responderId),
    t.company?.name ? undefined : look('companies', companyId),
    look('groups', t.group_id),
  ]);
  const authors = new Map<string, string | undefined>();
  for (const c of convs ?? []) {
    const id = c.user_id ?? undefined;
    if (!id || authors.has(id) || c.from_email) continue;
    authors.set(id, (await look(c.incoming ? 'contacts' : 'agents', id))?.name);
  }
  const comments: Comment[] = (convs ?? []).map((c) => {
    const id = c.user_id ?? undefined;
    const name = id ? authors.get(id) : undefined;
    return compact({
      author: name ?? c.from_email ?? UNKNOWN,
      authorId: id && !name ? id : undefined,
      role: c.incoming ? ('customer' as const) : ('agent' as const),
      public: !c.private,
      body: c.body_text ?? htmlToText(c.body ?? ''),
      at: c.created_at,
    });
  });
  const agents = new Map<string, string | undefined>();
  for (const e of time_entries ?? [])
    if (e.agent_id && !agents.has(e.agent_id))
      agents.set(e.agent_id, (await look('agents', e.agent_id))?.name);
  const timeEntries: TimeEntry[] = (time_entries ?? []).map((e) => {
    const [h = '0', m = '0'] = e.time_spent.split(':');
    return compact({
      minutes: Number(h) * 60 + Number(m),
      note: e.note ?? '',
      author: e.agent_id ? (agents.get(e.agent_id) ?? UNKNOWN) : undefined,
      at: e.executed_at ?? undefined,
    });
  });
  const customFields: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(t.custom_fields ?? {})) {
    const s = o.customFields.has(k) ? scalar(v) : undefined;
    if (s !== undefined) customFields[k] = s;
  }
  if (t.group_id) customFields.group = group?.name ?? UNKNOWN;
  const who = (
    given: { name?: string | undefined; email?: string | undefined } | null | undefined,
    id: string | undefined,
    found: Named | undefined,
  ) => {
    const name = given?.name ?? found?.name;
    const email = given?.email ?? found?.email;
    if (!name && !email && !id) return undefined;
    return compact({ id, name: name ?? (id ? UNKNOWN : undefined), email });
  };
  return compact({
    source,
    externalId: t.id,
    subject: t.subject ?? '',
    description: t.description_text ?? htmlToText(t.description ?? ''),
    status: st,
    priority: priority(t.priority),
    category: t.type,
    requester: who(t.requester, requesterId, requester),
    assignee: who(t.responder, responderId, responder),
    organization: t.company?.name ?? company?.name ?? (companyId ? UNKNOWN : undefined),
    organizationId: companyId,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
    closedAt: st === 'solved' || st === 'closed' ? t.updated_at : undefined,
    comments,
    timeEntries,
    tags: t.tags ?? [],
    customFields,
    threadIncomplete: convs === undefined,
  });
}
