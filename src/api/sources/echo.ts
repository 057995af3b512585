import type { Config } from '../../config.js';

/**
 * No loops: the comment, tag or work note our write-back adds comes back to
 * us as a webhook. It must not become a new ticket version to grade (which
 * would post another note, and so on). Each vendor says who made the change;
 * we compare it with our own integration user, and — for a private note only,
 * which a customer cannot write — with the marker our notes end with.
 *
 * Shapes (see /docs/integrations.md "Write-back" for the sources):
 * - Zendesk event webhooks: `detail.actor_id` is the updater; a comment event
 *   carries `event.comment.{author.id, is_public, body}`.
 *   https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/
 * - Jira: `comment_*` events carry `comment.author.accountId` (and `jsdPublic`);
 *   `jira:issue_updated` carries the acting `user.accountId` (labels, comments).
 *   https://developer.atlassian.com/cloud/jira/platform/webhooks/
 * - Freshdesk automation webhooks: the placeholders the admin chose, in
 *   `freshdesk_webhook`: `note_commenter_email`, `triggered_event`,
 *   `ticket_latest_private_comment`.
 * - ServiceNow (a business rule's outbound REST): the record's
 *   `sys_updated_by` is the user_name of whoever updated it last.
 */

export interface EchoIdentity {
  zendeskUserId?: string | undefined;
  jiraAccountId?: string | undefined;
  freshdeskEmail?: string | undefined;
  servicenowUser?: string | undefined;
}

export function echoIdentityOf(c: Config): EchoIdentity {
  return {
    zendeskUserId: c.ZENDESK_BOT_USER_ID,
    jiraAccountId: c.JIRA_BOT_ACCOUNT_ID,
    freshdeskEmail: c.FRESHDESK_BOT_EMAIL,
    servicenowUser: c.SERVICENOW_USER,
  };
}

/** The marker every note of ours ends with (src/writeback/note.ts markerOf); escaped in Jira wiki markup. */
const MARKER = /\\?\[ticket-qc:note=\d+\\?\]/;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
/** ServiceNow values may be plain or `{value, display_value}`. */
const snValue = (v: unknown): string | undefined => str(v) ?? str(obj(v).value);
const same = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a !== '' && a.toLowerCase() === b.toLowerCase();

function zendesk(body: Obj, id: EchoIdentity): string | undefined {
  const comment = obj(obj(body.event).comment);
  if (comment.is_public === false || comment.public === false) {
    if (same(str(obj(comment.author).id), id.zendeskUserId)) return 'our own internal comment';
    if (MARKER.test(str(comment.body) ?? '')) return 'our own internal comment (marker)';
  }
  if (same(str(obj(body.detail).actor_id), id.zendeskUserId))
    return 'an update made by our integration user';
  return undefined;
}

function jira(body: Obj, id: EchoIdentity): string | undefined {
  const comment = obj(body.comment);
  if (same(str(obj(comment.author).accountId), id.jiraAccountId)) return 'our own comment';
  if (comment.jsdPublic === false && MARKER.test(str(comment.body) ?? ''))
    return 'our own internal comment (marker)';
  if (same(str(obj(body.user).accountId), id.jiraAccountId))
    return 'an update made by our integration user';
  return undefined;
}

function freshdesk(body: Obj, id: EchoIdentity): string | undefined {
  const w = obj(body.freshdesk_webhook);
  if (same(str(w.note_commenter_email), id.freshdeskEmail)) return 'our own private note';
  // Only on a note event: the latest private comment stays ours until someone else adds one.
  const noteEvent = /note_type|note_added/i.test(str(w.triggered_event) ?? '');
  if (noteEvent && MARKER.test(str(w.ticket_latest_private_comment) ?? ''))
    return 'our own private note (marker)';
  return undefined;
}

function servicenow(body: Obj, id: EchoIdentity): string | undefined {
  for (const record of [body, obj(body.result), obj(body.record)]) {
    if (same(snValue(record.sys_updated_by), id.servicenowUser))
      return 'an update made by our integration user';
  }
  return undefined;
}

const BY_SOURCE: Record<string, (body: Obj, id: EchoIdentity) => string | undefined> = {
  zendesk,
  jira,
  freshdesk,
  servicenow,
};

/** Why this delivery is the echo of our own write-back, or undefined when it is not. */
export function ownEcho(
  source: string,
  body: unknown,
  id: EchoIdentity | undefined,
): string | undefined {
  const check = Object.hasOwn(BY_SOURCE, source) ? BY_SOURCE[source] : undefined;
  const why = id && check ? check(obj(body), id) : undefined;
  return why ? `echo of ticket-qc's write-back: ${why}` : undefined;
}
