import { JSON_HEADERS } from '../http.js';
import type { Step, Target, Write } from './types.js';

/** Fields of a ServiceNow task a customer can read: never written. */
const CUSTOMER_VISIBLE = ['comments', 'comments_and_work_notes', 'close_notes'];

/**
 * ServiceNow Table API: a work note (internal) on the record. Never
 * `comments` (Additional comments, the customer-visible journal). No tags:
 * an incident has none. Auth: Basic base64("{user}:{password}").
 */
export function servicenowSteps(t: Target, w: Write): Step[] {
  if (!t.parts.includes('note')) return [];
  const table = t.table ?? 'incident';
  return [
    {
      name: 'note',
      // PATCH /api/now/table/{tableName}/{sys_id} {"work_notes": "…"} → 200 {"result":{…}}.
      // https://www.servicenow.com/docs/bundle/yokohama-api-reference/page/integrate/inbound-rest/concept/c_TableAPI.html
      run: async (send) => {
        const body = { work_notes: w.note };
        if (CUSTOMER_VISIBLE.some((f) => f in body))
          throw new Error('refusing to write a customer-visible ServiceNow field');
        await send({
          method: 'PATCH',
          url: `${t.baseUrl}/api/now/table/${table}/${encodeURIComponent(w.externalId)}?sysparm_fields=sys_id,sys_updated_by,sys_updated_on&sysparm_exclude_reference_link=true`,
          headers: { authorization: t.authorization, ...JSON_HEADERS },
          body: JSON.stringify(body),
        });
      },
      // Journal entries live in sys_journal_field (element_id = the record's sys_id).
      // GET /api/now/table/sys_journal_field?sysparm_query=element_id=…^element=work_notes^valueLIKE…
      // https://www.servicenow.com/docs/bundle/yokohama-api-reference/page/integrate/inbound-rest/concept/c_TableAPI.html
      landed: async (send) => {
        const query = `element_id=${w.externalId}^element=work_notes^valueLIKE${w.marker}`;
        const got = await send({
          method: 'GET',
          url: `${t.baseUrl}/api/now/table/sys_journal_field?sysparm_query=${encodeURIComponent(query)}&sysparm_limit=1&sysparm_fields=sys_id`,
          headers: { authorization: t.authorization, accept: 'application/json' },
        });
        try {
          const r = (JSON.parse(got.text) as { result?: unknown[] }).result;
          return Array.isArray(r) && r.length > 0;
        } catch {
          return false;
        }
      },
    },
  ];
}
