import { z } from 'zod';
import type { Comment, Person, TicketInput, TimeEntry } from '../../ticket/schema.js';
import { header, verifyHexSignature } from '../auth.js';
import { boundedDeliveryId } from './delivery-id.js';
import { type MapResult, parseVendor, type SourceAdapter } from './types.js';
import { adfToText, compact, lookup, scalar, vendorId, vendorTime } from './util.js';

/**
 * Jira Service Management issue webhooks (`jira:issue_created`,
 * `jira:issue_updated`). A new comment also fires `jira:issue_updated`
 * (`issue_commented`), so the comment_* events carry nothing we lack.
 */

const User = z
  .object({
    accountId: z.string().nullish(),
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
    comment: z
      .object({
        comments: z.array(
          z.object({
            author: User,
            body: RichText,
            created: vendorTime,
            jsdPublic: z.boolean().nullish(),
          }),
        ),
      })
      .nullish(),
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

const IGNORED_EVENT =
  /^(jira:issue_deleted|comment_|worklog_|attachment_|issuelink_|sprint_|board_|version_|project_|user_)/;

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
        id: u.accountId ?? undefined,
        name: u.displayName ?? undefined,
        email: u.emailAddress ?? undefined,
      })
    : undefined;
const nameOf = (u: JiraUser) => u?.displayName ?? u?.emailAddress ?? 'unknown';

export const jiraAdapter: SourceAdapter = {
  auth: 'X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>',
  verify: ({ headers, raw }, secrets) =>
    verifyHexSignature(headers, 'x-hub-signature', raw, secrets),
  async map(body, ctx): Promise<MapResult> {
    const event = (body as { webhookEvent?: unknown } | null)?.webhookEvent;
    if (typeof event === 'string' && IGNORED_EVENT.test(event)) {
      return { kind: 'ignored', reason: `${event} carries no new ticket version` };
    }
    const { issue } = parseVendor(Payload, body, 'Jira issue');
    const f = issue.fields;
    const status =
      lookup(STATUS_BY_NAME, f.status.name.toLowerCase()) ??
      lookup(STATUS_BY_CATEGORY, f.status.statusCategory?.key) ??
      'open';
    const reporterId = f.reporter?.accountId;
    const comments: Comment[] = (f.comment?.comments ?? []).map((c) => ({
      author: nameOf(c.author),
      role:
        c.author?.accountType === 'app'
          ? 'system'
          : c.author?.accountType === 'customer' ||
              (reporterId && c.author?.accountId === reporterId)
            ? 'customer'
            : 'agent',
      public: c.jsdPublic ?? true,
      body: c.body,
      at: c.created,
    }));
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
    if (f.resolution?.name) customFields.resolution = f.resolution.name;
    for (const [k, v] of Object.entries(f)) {
      if (!k.startsWith('customfield_')) continue;
      const s = scalar(v);
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
    return {
      kind: 'ticket',
      ticket,
      deliveryId: boundedDeliveryId(header(ctx.headers, 'x-atlassian-webhook-identifier')),
    };
  },
};
