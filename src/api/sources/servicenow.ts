import { z } from 'zod';
import type { Comment, TicketInput } from '../../ticket/schema.js';
import { verifySharedSecret } from '../auth.js';
import { invalidBody } from '../errors.js';
import { optionalDeliveryId } from './delivery-id.js';
import { type Fillable, partialTicket } from './fill.js';
import { type Named, personOrUnknown, UNKNOWN } from './lookup.js';
import {
  fetchJournal,
  lookupLogin,
  lookupReference,
  type ServiceNowApi,
} from './servicenow-api.js';
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
/**
 * A field's display text. A reference sent without display values (`{link,
 * value}`, the Table API's default) has none: its value is a sys_id, never a
 * name.
 */
const display = (v: FieldValue | undefined): string | undefined => {
  if (v !== null && typeof v === 'object') {
    if (v.display_value === undefined && v.link !== undefined) return undefined;
    const d = v.display_value ?? v.value;
    return d === null || d === undefined || d === '' ? undefined : String(d);
  }
  return raw(v);
};

const SYS_ID = /^[0-9a-f]{32}$/;
const DEFAULT_TABLE: Record<string, string> = {
  caller_id: 'sys_user',
  assigned_to: 'sys_user',
  opened_by: 'sys_user',
  company: 'core_company',
  assignment_group: 'sys_user_group',
};

interface Ref {
  /** The sys_id, when the record gave one (a `{link,value}` or `{value,display_value}` reference, or a bare sys_id). */
  id?: string | undefined;
  name?: string | undefined;
  table: string;
}

/** A reference field as a name and/or sys_id; a bare 32-hex string is a sys_id (getValue(), exclude_reference_link). */
function refOf(field: string, v: FieldValue | undefined): Ref | undefined {
  const table =
    (v !== null && typeof v === 'object' && v.link
      ? /\/api\/now\/(?:v\d\/)?table\/([a-z0-9_]+)\//.exec(v.link)?.[1]
      : undefined) ??
    DEFAULT_TABLE[field] ??
    'sys_user';
  if (v !== null && typeof v === 'object') {
    const id = raw(v);
    const name = display(v);
    if (!id && !name) return undefined;
    return { id: id && id !== name ? id : undefined, name, table };
  }
  const s = raw(v);
  if (!s) return undefined;
  return SYS_ID.test(s) ? { id: s, table } : { name: s, table };
}

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

const Incident = z.looseObject({
  sys_id: requiredText('sys_id'),
  number: Field.optional(),
  short_description: Field.optional(),
  description: Field.optional(),
  state: Field.optional(),
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
  sys_updated_by: Field.optional(),
  opened_at: time(false),
  sys_created_on: time(false),
  sys_updated_on: time(false),
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
function parseJournal(
  text: string,
  isPublic: boolean,
  fallbackAt: string,
  caller?: string,
  headerless: { login?: string | undefined; name?: string | undefined } = {},
  callerLogin?: string,
): Comment[] {
  const heads = [...text.matchAll(JOURNAL_HEADER)];
  if (heads.length === 0) {
    if (!text.trim()) return [];
    return [
      compact({
        author: headerless.name ?? UNKNOWN,
        authorId: headerless.login,
        role:
          isPublic && headerless.login && headerless.login === callerLogin
            ? ('customer' as const)
            : ('agent' as const),
        public: isPublic,
        body: text.trim(),
        at: fallbackAt,
      }),
    ];
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

/** The record: the body, or `result` / `record` around it (a one-record query result too). */
function unwrap(body: unknown): unknown {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as { result?: unknown; record?: unknown };
    for (let inner of [b.result, b.record]) {
      if (Array.isArray(inner) && inner.length === 1) inner = inner[0];
      if (inner && typeof inner === 'object' && !Array.isArray(inner)) return inner;
    }
  }
  return body;
}

export interface ServiceNowOptions {
  api?: ServiceNowApi | undefined;
  /** Custom (`u_*`) fields the grader sees (SOURCE_CUSTOM_FIELDS). */
  customFields?: readonly string[];
}

export function servicenowAdapter(opts: ServiceNowOptions = {}): SourceAdapter {
  const { api } = opts;
  const allowed = new Set(opts.customFields ?? []);
  /** A person from a reference: its name looked up when only the sys_id came. */
  const resolve = async (field: string, v: FieldValue | undefined) => {
    const ref = refOf(field, v);
    if (!ref) return undefined;
    if (ref.name) return { ref, named: { name: ref.name } as Named };
    const named = api && ref.id ? await lookupReference(api, ref.table, ref.id) : undefined;
    return { ref, named };
  };
  const personOf = (r: Awaited<ReturnType<typeof resolve>>) => {
    if (!r) return undefined;
    if (!r.ref.id) return compact({ name: r.named?.name, email: r.named?.email });
    return personOrUnknown(r.ref.id, r.named);
  };
  return {
    auth: 'shared secret: Basic user:password, Authorization: Bearer <token> or X-Webhook-Token',
    verify: ({ headers }, secrets) => verifySharedSecret(headers, secrets),
    async map(body, ctx): Promise<MapResult> {
      const r = parseVendor(Incident, unwrap(body), 'ServiceNow incident');
      const receivedAt = new Date().toISOString();
      const state = raw(r.state);
      const status = state ? lookup(STATES, state.toLowerCase()) : undefined;
      if (state && !status)
        throw invalidBody([{ path: 'state', message: `unknown ServiceNow state "${state}"` }]);
      const updatedAt = r.sys_updated_on ?? receivedAt;
      const [caller, assignee, company, group] = await Promise.all([
        resolve('caller_id', r.caller_id),
        resolve('assigned_to', r.assigned_to),
        resolve('company', r.company),
        resolve('assignment_group', r.assignment_group),
      ]);
      const callerName = caller?.named?.name;
      const assigneeName = assignee?.named?.name ?? UNKNOWN;
      const closeNotes = raw(r.close_notes);
      const closed = status === 'solved' || status === 'closed';
      const closedAt = r.resolved_at ?? r.closed_at ?? (closed ? updatedAt : undefined);
      // A journal without headers holds the text of this update only: its
      // author is the one who updated the record, and its time the update's.
      const updater = raw(r.sys_updated_by);
      const updaterNamed = api && updater ? await lookupLogin(api, updater) : undefined;
      const headerless = { login: updater, name: updaterNamed?.name };
      const callerLogin = caller?.named?.login;
      let comments: Comment[] = [
        ...parseJournal(
          raw(r.comments) ?? '',
          true,
          updatedAt,
          callerName,
          headerless,
          callerLogin,
        ),
        ...parseJournal(raw(r.work_notes) ?? '', false, updatedAt, undefined, headerless),
      ];
      let threadIncomplete = comments.length === 0;
      if (threadIncomplete && api) {
        // Journal fields read back empty without display values: the journal table has them.
        const journal = await fetchJournal(api, r.sys_id, callerLogin);
        if (journal) {
          comments = journal;
          threadIncomplete = false;
        }
      }
      if (closeNotes)
        comments.push({
          author: assigneeName,
          ...(assignee?.ref.id && !assignee.named?.name ? { authorId: assignee.ref.id } : {}),
          role: 'agent',
          public: true,
          body: `Close notes: ${closeNotes}`,
          at: closedAt ?? updatedAt,
        });
      const customFields: Record<string, string | number | boolean | null> = fieldsOf({
        sys_id: r.sys_id,
        close_code: display(r.close_code),
        assignment_group: group ? (group.named?.name ?? UNKNOWN) : undefined,
        assignment_group_id: group?.ref.id,
      });
      for (const [k, v] of Object.entries(r)) {
        if (!allowed.has(k)) continue;
        const d = display(v as FieldValue) ?? raw(v as FieldValue);
        if (d !== undefined) customFields[k] = d;
      }
      const organization = company
        ? compact({
            organization: company.named?.name ?? UNKNOWN,
            organizationId: company.ref.id,
          })
        : {};
      const ticket: TicketInput = compact({
        source: ctx.source,
        externalId: raw(r.number) ?? r.sys_id,
        subject: raw(r.short_description) ?? '',
        description: raw(r.description) ?? '',
        status: status ?? 'open',
        priority: lookup(PRIORITIES, raw(r.priority)?.slice(0, 1)) ?? 'normal',
        category: display(r.category),
        requester: personOf(caller),
        assignee: personOf(assignee),
        ...organization,
        createdAt: r.opened_at ?? r.sys_created_on ?? updatedAt,
        updatedAt,
        closedAt,
        comments,
        customFields,
        threadIncomplete,
      });
      const missing = new Set<Fillable>();
      if (!r.sys_updated_on) missing.add('updatedAt');
      if (!r.opened_at && !r.sys_created_on) missing.add('createdAt');
      if (!state) missing.add('status');
      if (r.short_description === undefined) missing.add('subject');
      return partialTicket({
        ticket,
        missing,
        receivedAt,
        deliveryId: optionalDeliveryId(ctx.headers),
      });
    },
  };
}
