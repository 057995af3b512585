import { bodiesOf, JSON_HEADERS } from '../http.js';
import type { Step, Target, Write } from './types.js';

/**
 * Jira Service Management: an internal comment on the customer request, then
 * labels. Auth: Basic base64("{email}:{api_token}")
 *   https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/
 */
export function jiraSteps(t: Target, w: Write): Step[] {
  const key = encodeURIComponent(w.externalId);
  const headers = { authorization: t.authorization, ...JSON_HEADERS };
  const steps: Step[] = [];
  if (t.parts.includes('note'))
    steps.push({
      name: 'note',
      // POST /rest/servicedeskapi/request/{issueIdOrKey}/comment {"body","public":false} → 201.
      // "The comment visibility is set by the public field": false = internal, never shown on
      // the portal. body is a plain string (not ADF).
      // https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/#api-rest-servicedeskapi-request-issueidorkey-comment-post
      run: async (send) => {
        await send({
          method: 'POST',
          url: `${t.baseUrl}/rest/servicedeskapi/request/${key}/comment`,
          headers,
          body: JSON.stringify({ body: jiraWiki(w.note), public: false }),
        });
      },
      // GET /rest/servicedeskapi/request/{issueIdOrKey}/comment?public=false&internal=true
      // → {"values":[{"body",…}]}: the internal comments only.
      // https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/#api-rest-servicedeskapi-request-issueidorkey-comment-get
      landed: async (send) => {
        const got = await send({
          method: 'GET',
          url: `${t.baseUrl}/rest/servicedeskapi/request/${key}/comment?public=false&internal=true&limit=100`,
          headers: { authorization: t.authorization, accept: 'application/json' },
        });
        const mark = jiraWiki(w.marker);
        return bodiesOf(got.text, 'values').some((b) => b.includes(mark) || b.includes(w.marker));
      },
    });
  if (t.parts.includes('tags') && (w.tags.add.length || w.tags.remove.length))
    steps.push({
      name: 'tags',
      // PUT /rest/api/3/issue/{issueIdOrKey} {"update":{"labels":[{"add"},{"remove"}]}} → 204.
      // `update` edits the list server-side (fields.labels would replace it). Sent after the
      // comment, never in parallel: Jira limits writes per issue (jira-per-issue-on-write).
      // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-put
      // https://developer.atlassian.com/cloud/jira/platform/rate-limiting
      run: async (send) => {
        await send({
          method: 'PUT',
          url: `${t.baseUrl}/rest/api/3/issue/${key}`,
          headers,
          body: JSON.stringify({
            update: {
              labels: [
                ...w.tags.remove.map((l) => ({ remove: l })),
                ...w.tags.add.map((l) => ({ add: l })),
              ],
            },
          }),
        });
      },
    });
  return steps;
}

/**
 * The JSM comment body is wiki markup: `[…]` is a link, `{…}` a macro, `|` a
 * table cell. Escaped with a backslash so the note (and text from the model
 * inside it) shows as written.
 * https://jira.atlassian.com/secure/WikiRendererHelpAction.jspa?section=all
 */
export function jiraWiki(text: string): string {
  return text.replace(/[[\]{}|]/g, (c) => `\\${c}`);
}
