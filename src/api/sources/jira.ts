import { z } from 'zod';
import type { Comment, Person, Ticket, TicketInput, TimeEntry } from '../../ticket/schema.js';
import { header, verifyHexSignature } from '../auth.js';
import { invalidBody } from '../errors.js';
import { boundedDeliveryId } from './delivery-id.js';
import { type MapResult, parseVendor, type SourceAdapter } from './types.js';
import { adfToText, compact, lookup, scalar, toIsoTime, vendorId, vendorTime } from './util.js';

/**
 * Jira Service Management webhooks: issue events (`jira:issue_created`,
 * `jira:issue_updated`) carry the ticket; comment events (`comment_created`,
 * `comment_updated`, `comment_deleted`) carry one comment and a partial issue,
 * and change the latest stored version of that issue.
 *
 * Atlassian has announced that issue events will stop carrying comment
 * objects, with the comment events as the replacement. So an issue event
 * without `fields.comment` keeps the thread of the latest stored version
 * (built by comment events) rather than storing the ticket without it.
 *
 * A comment is recognised in the stored thread by its creation time (and
 * author): the canonical comment has no id, and Jira never changes a
 * comment's `created`, not even on edit.
 */

// Cloud users have an accountId; Server / Data Center users a name and a key.
const User = z
  .object({
    accountId: z.string().nullish(),
    key: z.string().nullish(),
    name: z.string().nullish(),
    accountType: z.string().nullish(),
    displayName: z.string().nullish(),
    emailAddress: z.string().nullish(),
  })
  .nullish();

// Jira sends plain text (REST v2 shape) or Atlassian Document Format (v3).
const RichText = z
  .union([z.string(), z.looseObject({ type: z.string() })])
  .nullish()
  .transform((v) =>
    v === null || v === undefined ? '' : typeof v === 'string' ? v : adfToText(v).trim(),
  );

const IssueComment = z.object({
  author: User,
  body: RichText,
  created: vendorTime,
  jsdPublic: z.boolean().nullish(),
});

const Fields = z
  .object({
    summary: z.string().nullish(),
    description: RichText,
    status: z.object({
      name: z.string(),
      statusCategory: z.object({ key: z.string() }).nullish(),
    }),
    priority: z.object({ name: z.string() }).nullish(),
    issuetype: z.object({ name: z.string() }).nullish(),
    reporter: User,
    assignee: User,
    created: vendorTime,
    updated: vendorTime,
    resolutiondate: vendorTime.nullish(),
    resolution: z.object({ name: z.string() }).nullish(),
    labels: z.array(z.string().max(200)).max(500).nullish(),
    comment: z.object({ comments: z.array(IssueComment) }).nullish(),
    worklog: z
      .object({
        worklogs: z.array(
          z.object({
            author: User,
            timeSpentSeconds: z.number().int().nonnegative(),
            comment: RichText,
            started: vendorTime.nullish(),
          }),
        ),
      })
      .nullish(),
  })
  .catchall(z.unknown());

const Payload = z.object({
  webhookEvent: z.string().optional(),
  issue: z.object({ id: vendorId, key: z.string().min(1).max(200).optional(), fields: Fields }),
});

const COMMENT_EVENTS = ['comment_created', 'comment_updated', 'comment_deleted'] as const;
type CommentEventName = (typeof COMMENT_EVENTS)[number];

// The comment as the REST API returns it, and the issue it is on (its key and
// id; any other fields a partial issue carries are not used).
const CommentPayload = z.object({
  webhookEvent: z.enum(COMMENT_EVENTS),
  timestamp: z.unknown().optional(),
  comment: z.object({
    id: vendorId.nullish(),
    self: z.string().nullish(),
    author: User,
    body: RichText,
    created: vendorTime.nullish(),
    updated: vendorTime.nullish(),
    jsdPublic: z.boolean().nullish(),
  }),
  // Server / Data Center comment events carry no issue: its id is in comment.self.
  issue: z.object({ id: vendorId, key: z.string().min(1).max(200).optional() }).optional(),
});

const ISSUE_IN_SELF = /\/rest\/api\/(?:2|3|latest)\/issue\/(\d+)\/comment\//;

const IGNORED_EVENT =
  /^(jira:issue_deleted|worklog_|attachment_|issuelink_|sprint_|board_|version_|project_|user_)/;

const STATUS_BY_NAME: Record<string, TicketInput['status']> = {
  resolved: 'solved',
  done: 'solved',
  closed: 'closed',
  canceled: 'cancelled',
  cancelled: 'cancelled',
  declined: 'cancelled',
  "won't do": 'cancelled',
  'waiting for customer': 'pending',
  pending: 'pending',
  'on hold': 'on_hold',
  'waiting for approval': 'on_hold',
  open: 'open',
  'in progress': 'open',
  'waiting for support': 'open',
  'work in progress': 'open',
  escalated: 'open',
};
const STATUS_BY_CATEGORY: Record<string, TicketInput['status']> = {
  new: 'new',
  indeterminate: 'open',
  done: 'solved',
};
const PRIORITY: Record<string, TicketInput['priority']> = {
  highest: 'urgent',
  critical: 'urgent',
  blocker: 'urgent',
  high: 'high',
  medium: 'normal',
  low: 'low',
  lowest: 'low',
};

type JiraUser = z.infer<typeof User>;
const person = (u: JiraUser): Person | undefined =>
  u
    ? compact({
        id: u.accountId ?? u.key ?? u.name ?? undefined,
        name: u.displayName ?? undefined,
        email: u.emailAddress ?? undefined,
      })
    : undefined;
const nameOf = (u: JiraUser) => u?.displayName ?? u?.emailAddress ?? 'unknown';
const idOf = (u: JiraUser) => u?.accountId ?? u?.key ?? u?.name ?? undefined;

/** A Jira comment in the canonical thread; `reporterId` is the issue reporter's account id. */
function toComment(
  c: { author?: JiraUser; body: string; created: string; jsdPublic?: boolean | null | undefined },
  reporterId: string | null | undefined,
): Comment {
  const authorId = !c.author?.displayName && !c.author?.emailAddress ? idOf(c.author) : undefined;
  return {
    author: nameOf(c.author),
    ...(authorId ? { authorId } : {}),
    role:
      c.author?.accountType === 'app'
        ? 'system'
        : c.author?.accountType === 'customer' || (reporterId && c.author?.accountId === reporterId)
          ? 'customer'
          : 'agent',
    // `jsdPublic` is absent outside service projects, where every comment is public.
    public: c.jsdPublic ?? true,
    body: c.body,
    at: c.created,
  };
}

const timeOf = (iso: string) => Date.parse(iso);
const later = (a: string, b: string | undefined) => (b && timeOf(b) > timeOf(a) ? b : a);

/** Where `c` is in the thread: same creation time and author, or the one comment created then. */
function findComment(thread: Comment[], c: Comment): number {
  const exact = thread.findIndex((x) => timeOf(x.at) === timeOf(c.at) && x.author === c.author);
  if (exact >= 0) return exact;
  const sameTime = thread.flatMap((x, i) => (timeOf(x.at) === timeOf(c.at) ? [i] : []));
  return sameTime.length === 1 ? (sameTime[0] as number) : -1;
}

/** A select-list custom field (`{value}` / `{name}`) as its text. */
function optionValue(v: unknown): string | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as { value?: unknown; name?: unknown };
  const t = o.value ?? o.name;
  return typeof t === 'string' ? t : undefined;
}

/** The event's `timestamp` (epoch milliseconds) as an ISO time, when it is one. */
function eventTime(ts: unknown): string | undefined {
  if (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0 || ts > 253_402_300_799_999)
    return undefined;
  return toIsoTime(new Date(ts).toISOString());
}

/**
 * `comment_created` / `comment_updated` / `comment_deleted`: the latest
 * stored version of the issue with the comment added, replaced or removed.
 * Nothing else about the ticket changes except `updatedAt`, which moves to the
 * comment's time when that is later; `threadIncomplete` stays as it was.
 */
async function commentEvent(
  body: unknown,
  source: string,
  deliveryId: string | undefined,
  findIssue: JiraOptions['findIssue'],
): Promise<MapResult> {
  const p = parseVendor(CommentPayload, body, 'Jira comment event');
  const event: CommentEventName = p.webhookEvent;
  let externalId = p.issue ? (p.issue.key ?? p.issue.id) : undefined;
  if (!externalId) {
    const issueId = ISSUE_IN_SELF.exec(p.comment.self ?? '')?.[1];
    if (!issueId)
      throw invalidBody(
        [{ path: 'issue', message: 'required, or an issue id in comment.self' }],
        'not a Jira comment event we can read',
      );
    externalId = findIssue ? await findIssue(source, issueId) : undefined;
    if (!externalId)
      return {
        kind: 'ignored',
        reason: `${event} on issue ${issueId}, but no version of that issue is stored yet: the next issue event will carry the ticket`,
      };
  }
  const issueKey: string = externalId;
  const c = p.comment;
  const created = c.created;
  if (!created) {
    if (event === 'comment_deleted')
      return {
        kind: 'ignored',
        reason: `comment_deleted on ${externalId} without comment.created: the comment cannot be told apart`,
      };
    throw invalidBody(
      [{ path: 'comment.created', message: 'required: the time the comment was created' }],
      'not a Jira comment event we can read',
    );
  }
  const label = `comment ${c.id ?? `of ${created}`}`;
  return {
    kind: 'derived',
    externalId: issueKey,
    deliveryId,
    apply(latest: Ticket | undefined) {
      if (!latest)
        return {
          ignored: `${event} on ${issueKey}, but no version of the issue is stored yet: the next issue event will carry the ticket`,
        };
      const comment = toComment({ ...c, created }, latest.requester?.id);
      const thread = [...latest.comments];
      const i = findComment(thread, comment);
      let changedAt: string | undefined;
      if (event === 'comment_deleted') {
        if (i < 0)
          return {
            ignored: `${label} is not in the stored thread of ${issueKey}: nothing to remove`,
          };
        thread.splice(i, 1);
        changedAt = eventTime(p.timestamp);
      } else {
        if (i >= 0) thread[i] = comment;
        else {
          // In time order, as Jira lists the thread.
          const after = thread.findIndex((x) => timeOf(x.at) > timeOf(comment.at));
          thread.splice(after < 0 ? thread.length : after, 0, comment);
        }
        changedAt = c.updated ?? created;
      }
      const ticket: TicketInput = {
        ...latest,
        source,
        comments: thread,
        updatedAt: later(latest.updatedAt, changedAt),
      };
      return ticket;
    },
  };
}

export interface JiraOptions {
  /** The stored ticket's external id for a numeric Jira issue id (Server comment events). */
  findIssue?: (source: string, issueId: string) => Promise<string | undefined>;
  /** `customfield_*` ids the grader sees (SOURCE_CUSTOM_FIELDS). */
  customFields?: readonly string[];
}

export function jiraAdapter(opts: JiraOptions = {}): SourceAdapter {
  const allowed = new Set(opts.customFields ?? []);
  return {
    auth: 'X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>',
    verify: ({ headers, raw }, secrets) =>
      verifyHexSignature(headers, 'x-hub-signature', raw, secrets),
    async map(body, ctx): Promise<MapResult> {
      const event = (body as { webhookEvent?: unknown } | null)?.webhookEvent;
      const deliveryId = boundedDeliveryId(header(ctx.headers, 'x-atlassian-webhook-identifier'));
      if (typeof event === 'string' && IGNORED_EVENT.test(event)) {
        return { kind: 'ignored', reason: `${event} carries no new ticket version` };
      }
      if (typeof event === 'string' && (COMMENT_EVENTS as readonly string[]).includes(event))
        return commentEvent(body, ctx.source, deliveryId, opts.findIssue);
      const { issue } = parseVendor(Payload, body, 'Jira issue');
      const f = issue.fields;
      const status =
        lookup(STATUS_BY_NAME, f.status.name.toLowerCase()) ??
        lookup(STATUS_BY_CATEGORY, f.status.statusCategory?.key) ??
        'open';
      const comments: Comment[] = (f.comment?.comments ?? []).map((c) =>
        toComment(c, f.reporter?.accountId),
      );
      const timeEntries: TimeEntry[] = (f.worklog?.worklogs ?? []).map((w) =>
        compact({
          minutes: Math.round(w.timeSpentSeconds / 60),
          note: w.comment,
          author: nameOf(w.author),
          at: w.started ?? undefined,
        }),
      );
      const customFields: Record<string, string | number | boolean | null> = {};
      if (issue.key) customFields.key = issue.key;
      // Server comment events name the issue only by this id.
      customFields.issue_id = issue.id;
      if (f.resolution?.name) customFields.resolution = f.resolution.name;
      for (const [k, v] of Object.entries(f)) {
        if (!k.startsWith('customfield_') || !allowed.has(k)) continue;
        const s = scalar(v) ?? optionValue(v);
        if (s !== undefined && s !== null) customFields[k] = s;
      }
      const ticket: TicketInput = compact({
        source: ctx.source,
        externalId: issue.key ?? issue.id,
        subject: f.summary ?? '',
        description: f.description,
        status,
        priority: lookup(PRIORITY, f.priority?.name.toLowerCase()) ?? 'normal',
        category: f.issuetype?.name.replace(/^\[System\]\s*/, '').toLowerCase(),
        requester: person(f.reporter),
        assignee: person(f.assignee),
        createdAt: f.created,
        updatedAt: f.updated,
        closedAt: f.resolutiondate ?? undefined,
        comments,
        timeEntries,
        tags: f.labels ?? [],
        customFields,
        // A webhook's comment list is the whole thread only when the field was sent.
        threadIncomplete: !f.comment,
      });
      if (f.comment) return { kind: 'ticket', ticket, deliveryId };
      // No thread in the event: keep the one stored (comment events keep it current).
      return {
        kind: 'derived',
        externalId: ticket.externalId,
        deliveryId,
        apply: (latest) => (latest ? { ...ticket, comments: latest.comments } : ticket),
      };
    },
  };
}
