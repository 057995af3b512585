import type { Comment, Ticket } from '../../../src/ticket/schema.js';

/**
 * Canonical ticket → the payload a vendor would send for it: what the demo
 * (and the round-trip test) delivers as webhooks. Fidelity is the vendor's,
 * not ours: Zendesk events carry no thread (only the newest comment) unless
 * the Tickets API is configured, ServiceNow journals carry no time entries,
 * and only the generic source carries triage notes.
 */

export type DemoSource = 'zendesk' | 'jira' | 'freshdesk' | 'servicenow' | 'generic';

const JIRA_STATUS: Record<Ticket['status'], [name: string, category: string]> = {
  new: ['Open', 'new'],
  open: ['In Progress', 'indeterminate'],
  pending: ['Waiting for customer', 'indeterminate'],
  on_hold: ['On hold', 'indeterminate'],
  solved: ['Resolved', 'done'],
  closed: ['Closed', 'done'],
  cancelled: ['Canceled', 'done'],
};
const JIRA_PRIORITY = { low: 'Low', normal: 'Medium', high: 'High', urgent: 'Highest' } as const;
const ZENDESK_STATUS = {
  new: 'NEW',
  open: 'OPEN',
  pending: 'PENDING',
  on_hold: 'HOLD',
  solved: 'SOLVED',
  closed: 'CLOSED',
  cancelled: 'CLOSED',
} as const;
const FRESHDESK_STATUS = {
  new: 2,
  open: 2,
  pending: 3,
  on_hold: 3,
  solved: 4,
  closed: 5,
  cancelled: 5,
} as const;
const FRESHDESK_PRIORITY = { low: 1, normal: 2, high: 3, urgent: 4 } as const;
const SN_STATE = {
  new: '1',
  open: '2',
  pending: '3',
  on_hold: '3',
  solved: '6',
  closed: '7',
  cancelled: '8',
} as const;
const SN_PRIORITY = { urgent: '1', high: '2', normal: '3', low: '4' } as const;

/** ServiceNow's `YYYY-MM-DD HH:MM:SS`, in UTC. */
const snTime = (iso: string) => new Date(iso).toISOString().slice(0, 19).replace('T', ' ');

function journal(comments: Comment[], isPublic: boolean): string {
  const kind = isPublic ? 'Additional comments' : 'Work notes';
  return comments
    .filter((c) => c.public === isPublic)
    .sort((a, b) => b.at.localeCompare(a.at))
    .map((c) => `${snTime(c.at)} - ${c.author} (${kind})\n${c.body}\n\n`)
    .join('');
}

function jiraUser(
  name: string | undefined,
  email: string | undefined,
  id: string | undefined,
  type: string,
) {
  return name || email || id
    ? {
        accountId: id ?? null,
        displayName: name ?? null,
        emailAddress: email ?? null,
        accountType: type,
      }
    : null;
}

/**
 * `recordId` is the vendor's own stable id for the record (Jira issue id,
 * ServiceNow sys_id); `eventId` identifies this one delivery (Zendesk's event id).
 */
export function encodeFor(
  source: DemoSource,
  t: Ticket,
  ids: { recordId: string; eventId: string },
): unknown {
  switch (source) {
    case 'generic': {
      const { source: _omit, ...rest } = t;
      return rest;
    }
    case 'jira': {
      const [name, category] = JIRA_STATUS[t.status];
      return {
        timestamp: Date.parse(t.updatedAt),
        webhookEvent: 'jira:issue_updated',
        issue: {
          id: ids.recordId,
          key: t.externalId,
          fields: {
            summary: t.subject,
            description: t.description,
            status: { name, statusCategory: { key: category } },
            priority: { name: JIRA_PRIORITY[t.priority] },
            issuetype: t.category ? { name: t.category } : null,
            reporter: jiraUser(t.requester?.name, t.requester?.email, t.requester?.id, 'customer'),
            assignee: jiraUser(t.assignee?.name, t.assignee?.email, t.assignee?.id, 'atlassian'),
            created: t.createdAt,
            updated: t.updatedAt,
            resolutiondate: t.closedAt ?? null,
            labels: t.tags,
            comment: {
              comments: t.comments.map((c) => ({
                author: {
                  displayName: c.author,
                  accountType:
                    c.role === 'customer' ? 'customer' : c.role === 'system' ? 'app' : 'atlassian',
                },
                body: c.body,
                created: c.at,
                jsdPublic: c.public,
              })),
            },
            worklog: {
              worklogs: t.timeEntries.map((e) => ({
                author: { displayName: e.author ?? 'unknown' },
                timeSpentSeconds: e.minutes * 60,
                comment: e.note,
                started: e.at ?? null,
              })),
            },
          },
        },
      };
    }
    case 'zendesk': {
      const last = [...t.comments].sort((a, b) => a.at.localeCompare(b.at)).at(-1);
      return {
        type: last ? 'zen:event-type:ticket.comment_added' : 'zen:event-type:ticket.status_changed',
        id: ids.eventId,
        time: last?.at ?? t.updatedAt,
        subject: `zen:ticket:${t.externalId}`,
        detail: {
          id: t.externalId,
          subject: t.subject,
          description: t.description,
          status: ZENDESK_STATUS[t.status],
          priority: t.priority.toUpperCase(),
          type: t.category ?? null,
          created_at: t.createdAt,
          updated_at: t.updatedAt,
          requester_id: t.requester?.id ?? null,
          assignee_id: t.assignee?.id ?? null,
          tags: t.tags,
          via: { channel: 'web' },
        },
        event: last
          ? {
              comment: {
                body: last.body,
                is_public: last.public,
                author: { name: last.author, is_staff: last.role !== 'customer' },
              },
            }
          : { current: ZENDESK_STATUS[t.status] },
      };
    }
    case 'freshdesk':
      return {
        ticket: {
          id: t.externalId,
          subject: t.subject,
          description_text: t.description,
          status: FRESHDESK_STATUS[t.status],
          priority: FRESHDESK_PRIORITY[t.priority],
          type: t.category ?? null,
          tags: t.tags,
          requester: t.requester
            ? { name: t.requester.name ?? null, email: t.requester.email ?? null }
            : null,
          responder: t.assignee
            ? { name: t.assignee.name ?? null, email: t.assignee.email ?? null }
            : null,
          company: t.organization ? { name: t.organization } : null,
          created_at: t.createdAt,
          updated_at: t.updatedAt,
          custom_fields: t.customFields,
        },
        conversations: t.comments.map((c) => ({
          body_text: c.body,
          private: !c.public,
          incoming: c.role === 'customer',
          from_email: c.author,
          created_at: c.at,
        })),
        time_entries: t.timeEntries.map((e) => ({
          time_spent: `${String(Math.floor(e.minutes / 60)).padStart(2, '0')}:${String(e.minutes % 60).padStart(2, '0')}`,
          note: e.note,
          executed_at: e.at ?? null,
        })),
      };
    case 'servicenow':
      return {
        sys_id: ids.recordId,
        number: t.externalId,
        short_description: t.subject,
        description: t.description,
        state: SN_STATE[t.status],
        priority: SN_PRIORITY[t.priority],
        category: t.category ?? '',
        caller_id: t.requester?.name ?? '',
        assigned_to: t.assignee?.name ?? '',
        company: t.organization ?? '',
        opened_at: snTime(t.createdAt),
        sys_updated_on: snTime(t.updatedAt),
        closed_at: t.closedAt ? snTime(t.closedAt) : '',
        comments: journal(t.comments, true),
        work_notes: journal(t.comments, false),
      };
  }
}
