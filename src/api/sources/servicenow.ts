import { z } from 'zod';
import type { Comment, TicketInput } from '../../ticket/schema.js';
import { verifySharedSecret } from '../auth.js';
import { invalidBody } from '../errors.js';
import { optionalDeliveryId } from './delivery-id.js';
import { type MapResult, parseVendor, type SourceAdapter } from './types.js';
import { compact, fieldsOf, lookup, toIsoTime } from './util.js';

/**
 * ServiceNow incidents sent by an outbound REST message / business rule. The
 * record may be the body itself, or wrapped in `result` (Table API shape) or
 * `record`. Field values are plain strings or `{value, display_value}` objects
 * (sysparm_display_value=all); unset fields arrive as "". Times without an
 * offset are UTC, as the Table API returns them.
 */

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Field = z.union([
  Scalar,
  z.object({
    value: Scalar.optional(),
    display_value: Scalar.optional(),
    link: z.string().optional(),
  }),
]);
type FieldValue = z.infer<typeof Field>;

const raw = (v: FieldValue | undefined): string | undefined => {
  const x = v !== null && typeof v === 'object' ? v.value : v;
  return x === null || x === undefined || x === '' ? undefined : String(x);
};
const display = (v: FieldValue | undefined): string | undefined => {
  if (v !== null && typeof v === 'object') {
    const d = v.display_value ?? v.value;
    return d === null || d === undefined || d === '' ? undefined : String(d);
  }
  return raw(v);
};

const requiredText = (what: string) =>
  Field.transform((v, ctx) => {
    const inner = v !== null && typeof v === 'object' ? v.value : v;
    const s = typeof inner === 'string' ? raw(v) : undefined;
    if (!s) ctx.addIssue({ code: 'custom', message: `${what} is required (a string)` });
    return s ?? '';
  });
const time = (required: boolean) =>
  Field.optional().transform((v, ctx) => {
    const s = raw(v);
    if (s === undefined) {
      if (required) ctx.addIssue({ code: 'custom', message: 'required timestamp' });
      return undefined;
    }
    const t = toIsoTime(s);
    if (!t)
      ctx.addIssue({
        code: 'custom',
        message: 'not a timestamp (YYYY-MM-DD HH:MM:SS or ISO-8601)',
      });
    return t;
  });

const Incident = z.object({
  sys_id: requiredText('sys_id'),
  number: Field.optional(),
  short_description: Field.optional(),
  description: Field.optional(),
  state: requiredText('state'),
  priority: Field.optional(),
  category: Field.optional(),
  caller_id: Field.optional(),
  assigned_to: Field.optional(),
  company: Field.optional(),
  assignment_group: Field.optional(),
  close_code: Field.optional(),
  close_notes: Field.optional(),
  work_notes: Field.optional(),
  comments: Field.optional(),
  opened_at: time(false),
  sys_created_on: time(false),
  sys_updated_on: time(true),
  resolved_at: time(false),
  closed_at: time(false),
});

const STATES: Record<string, TicketInput['status']> = {
  '1': 'new',
  new: 'new',
  '2': 'open',
  'in progress': 'open',
  active: 'open',
  '3': 'on_hold',
  'on hold': 'on_hold',
  'awaiting user info': 'pending',
  '6': 'solved',
  resolved: 'solved',
  '7': 'closed',
  closed: 'closed',
  '8': 'cancelled',
  canceled: 'cancelled',
  cancelled: 'cancelled',
};
const PRIORITIES: Record<string, TicketInput['priority']> = {
  '1': 'urgent',
  '2': 'high',
  '3': 'normal',
  '4': 'low',
  '5': 'low',
};

const JOURNAL_HEADER =
  /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) - (.+?) \((Work notes|Additional comments)\)\s*$/gm;

/** A journal field (`getJournalEntry(-1)`): entries newest first, each under a dated header. */
export function parseJournal(
  text: string,
  isPublic: boolean,
  fallbackAt: string,
  caller?: string,
): Comment[] {
  const heads = [...text.matchAll(JOURNAL_HEADER)];
  if (heads.length === 0) {
    return text.trim()
      ? [{ author: 'unknown', role: 'agent', public: isPublic, body: text.trim(), at: fallbackAt }]
      : [];
  }
  return heads.map((h, i) => {
    const start = (h.index ?? 0) + h[0].length;
    const end = heads[i + 1]?.index ?? text.length;
    const author = h[2] ?? 'unknown';
    return {
      author,
      role: isPublic && caller && author === caller ? 'customer' : 'agent',
      public: isPublic,
      body: text.slice(start, end).trim(),
      at: toIsoTime(h[1]) ?? fallbackAt,
    };
  });
}

/** A reference field: `{value: sys_id, display_value: name}`, or just the name. */
function personOf(v: FieldValue | undefined) {
  const name = display(v);
  if (!name) return undefined;
  const id = v !== null && typeof v === 'object' ? raw(v) : undefined;
  return id && id !== name ? { name, id } : { name };
}

function unwrap(body: unknown): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as { result?: unknown; record?: unknown };
    for (const inner of [b.result, b.record])
      if (inner && typeof inner === 'object' && !Array.isArray(inner)) return inner;
  }
  return body;
}

export const servicenowAdapter: SourceAdapter = {
  auth: 'shared secret: Basic user:password, Authorization: Bearer <token> or X-Webhook-Token',
  verify: ({ headers }, secrets) => verifySharedSecret(headers, secrets),
  async map(body, ctx): Promise<MapResult> {
    const r = parseVendor(Incident, unwrap(body), 'ServiceNow incident');
    const status = lookup(STATES, r.state.toLowerCase());
    if (!status)
      throw invalidBody([{ path: 'state', message: `unknown ServiceNow state "${r.state}"` }]);
    const updatedAt = r.sys_updated_on ?? '';
    const caller = display(r.caller_id);
    const closeNotes = raw(r.close_notes);
    const closedAt =
      r.resolved_at ??
      r.closed_at ??
      (status === 'solved' || status === 'closed' ? updatedAt : undefined);
    const comments = [
      ...parseJournal(raw(r.comments) ?? '', true, updatedAt, caller),
      ...parseJournal(raw(r.work_notes) ?? '', false, updatedAt),
      ...(closeNotes
        ? [
            {
              author: display(r.assigned_to) ?? 'unknown',
              role: 'agent' as const,
              public: true,
              body: `Close notes: ${closeNotes}`,
              at: closedAt ?? updatedAt,
            },
          ]
        : []),
    ];
    const ticket: TicketInput = compact({
      source: ctx.source,
      externalId: raw(r.number) ?? r.sys_id,
      subject: raw(r.short_description) ?? '',
      description: raw(r.description) ?? '',
      status,
      priority: lookup(PRIORITIES, raw(r.priority)?.slice(0, 1)) ?? 'normal',
      category: display(r.category),
      requester: personOf(r.caller_id),
      assignee: personOf(r.assigned_to),
      organization: display(r.company),
      createdAt: r.opened_at ?? r.sys_created_on ?? updatedAt,
      updatedAt,
      closedAt,
      comments,
      customFields: fieldsOf({
        sys_id: r.sys_id,
        close_code: display(r.close_code),
        assignment_group: display(r.assignment_group),
      }),
      // Journal fields hold the whole thread only when the rule sends them.
      threadIncomplete: r.comments === undefined && r.work_notes === undefined,
    });
    return { kind: 'ticket', ticket, deliveryId: optionalDeliveryId(ctx.headers) };
  },
};
