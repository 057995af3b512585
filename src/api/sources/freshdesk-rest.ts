import { z } from 'zod';
import type { Comment, TicketInput, TimeEntry } from '../../ticket/schema.js';
import { Priority, person, priority, Status, status } from './freshdesk-fields.js';
import { compact, htmlToText, optText, scalar, vendorId, vendorTime } from './util.js';

/**
 * The REST-shaped Freshdesk body (`ticket` as the Tickets API returns it, plus
 * optional `conversations` and `time_entries`): what an integrator sends from
 * a custom app or a "Trigger API" rule when the whole thread matters.
 */

export const Rest = z.object({
  ticket: z.object({
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
    company: z.object({ name: optText }).nullish(),
    created_at: vendorTime,
    updated_at: vendorTime,
    custom_fields: z.record(z.string(), z.unknown()).nullish(),
  }),
  conversations: z
    .array(
      z.object({
        body_text: optText,
        body: optText,
        private: z.boolean().nullish(),
        incoming: z.boolean().nullish(),
        from_email: optText,
        user_id: vendorId.nullish(),
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

export function fromRest(
  { ticket: t, conversations, time_entries }: z.infer<typeof Rest>,
  source: string,
): TicketInput {
  const st = status(t.status, 'ticket.status');
  const comments: Comment[] = (conversations ?? []).map((c) => ({
    author: c.from_email ?? (c.user_id ? `user ${c.user_id}` : 'unknown'),
    role: c.incoming ? 'customer' : 'agent',
    public: !c.private,
    body: c.body_text ?? htmlToText(c.body ?? ''),
    at: c.created_at,
  }));
  const timeEntries: TimeEntry[] = (time_entries ?? []).map((e) => {
    const [h = '0', m = '0'] = e.time_spent.split(':');
    return compact({
      minutes: Number(h) * 60 + Number(m),
      note: e.note ?? '',
      author: e.agent_id ? `agent ${e.agent_id}` : undefined,
      at: e.executed_at ?? undefined,
    });
  });
  const customFields: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(t.custom_fields ?? {})) {
    const s = scalar(v);
    if (s !== undefined) customFields[k] = s;
  }
  return compact({
    source,
    externalId: t.id,
    subject: t.subject ?? '',
    description: t.description_text ?? htmlToText(t.description ?? ''),
    status: st,
    priority: priority(t.priority),
    category: t.type,
    requester: t.requester
      ? person(t.requester.name, t.requester.email, t.requester.id ?? undefined)
      : undefined,
    assignee: t.responder
      ? person(t.responder.name, t.responder.email, t.responder.id ?? undefined)
      : undefined,
    organization: t.company?.name,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
    closedAt: st === 'solved' || st === 'closed' ? t.updated_at : undefined,
    comments,
    timeEntries,
    tags: t.tags ?? [],
    customFields,
    threadIncomplete: conversations === undefined,
  });
}
