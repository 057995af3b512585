import type { Logger } from 'pino';
import type { Comment } from '../../ticket/schema.js';
import {
  cached,
  getJson,
  LookupCache,
  type Named,
  namedOf,
  UNKNOWN,
  type VendorApiOptions,
} from './lookup.js';
import { toIsoTime } from './util.js';

/**
 * ServiceNow's Table API, for what a record posted without display values
 * lacks: the names behind reference sys_ids (`sys_user`, `core_company`,
 * `sys_user_group`), the person behind a `sys_updated_by` user_name, and the
 * journal (`sys_journal_field`) when the record's comments came back empty.
 */

export interface ServiceNowApiConfig {
  SERVICENOW_INSTANCE_URL?: string | undefined;
  SERVICENOW_USER?: string | undefined;
  SERVICENOW_PASSWORD?: string | undefined;
  VENDOR_LOOKUP_TTL: number;
}

export type ServiceNowApi = VendorApiOptions;

export function servicenowApiFromConfig(
  c: ServiceNowApiConfig,
  fetchImpl: typeof fetch,
  logger: Logger,
): ServiceNowApi | undefined {
  if (!c.SERVICENOW_INSTANCE_URL || !c.SERVICENOW_USER || !c.SERVICENOW_PASSWORD) return undefined;
  return {
    vendor: 'servicenow',
    baseUrl: c.SERVICENOW_INSTANCE_URL.replace(/\/+$/, ''),
    authorization: `Basic ${Buffer.from(`${c.SERVICENOW_USER}:${c.SERVICENOW_PASSWORD}`).toString('base64')}`,
    fetch: fetchImpl,
    cache: new LookupCache(c.VENDOR_LOOKUP_TTL),
    logger,
  };
}

const SYS_ID = /^[0-9a-f]{32}$/;
const TABLE = /^[a-z0-9_]{1,80}$/;

/** The name (and e-mail) of the record a reference points at, from `<table>/<sys_id>`. */
export function lookupReference(
  api: ServiceNowApi,
  table: string,
  sysId: string,
): Promise<Named | undefined> {
  if (!TABLE.test(table) || !SYS_ID.test(sysId)) return Promise.resolve(undefined);
  return cached(api, `${table}/${sysId}`, async () => {
    const body = (await getJson(
      api,
      `api/now/table/${table}/${sysId}?sysparm_fields=name,email,user_name&sysparm_display_value=true`,
    )) as { result?: unknown } | undefined;
    return namedOf(body?.result, sysId);
  });
}

/** The user behind a user_name (`sys_updated_by`, `sys_created_by`). */
export function lookupLogin(api: ServiceNowApi, login: string): Promise<Named | undefined> {
  return cached(api, `sys_user?user_name=${login}`, async () => {
    const q = new URLSearchParams({
      sysparm_query: `user_name=${login}`,
      sysparm_fields: 'sys_id,name,email,user_name',
      sysparm_limit: '1',
    });
    const body = (await getJson(api, `api/now/table/sys_user?${q}`)) as
      | { result?: unknown[] }
      | undefined;
    const row = body?.result?.[0] as { sys_id?: unknown } | undefined;
    return namedOf(row, typeof row?.sys_id === 'string' ? row.sys_id : undefined);
  });
}

interface JournalRow {
  element?: unknown;
  value?: unknown;
  sys_created_on?: unknown;
  sys_created_by?: unknown;
}

/**
 * The whole journal of a record (comments and work notes), oldest first, or
 * undefined when it could not be read. Authors are user_names, resolved to
 * names through `lookupLogin`.
 */
export async function fetchJournal(
  api: ServiceNowApi,
  sysId: string,
  callerLogin: string | undefined,
): Promise<Comment[] | undefined> {
  if (!SYS_ID.test(sysId)) return undefined;
  const q = new URLSearchParams({
    sysparm_query: `element_id=${sysId}^elementINcomments,work_notes^ORDERBYsys_created_on`,
    sysparm_fields: 'element,value,sys_created_on,sys_created_by',
    sysparm_limit: '2000',
  });
  const body = (await getJson(api, `api/now/table/sys_journal_field?${q}`)) as
    | { result?: JournalRow[] }
    | undefined;
  if (!Array.isArray(body?.result)) return undefined;
  const out: Comment[] = [];
  for (const row of body.result) {
    const at = toIsoTime(row.sys_created_on);
    const text = typeof row.value === 'string' ? row.value.trim() : '';
    if (!at || !text) continue;
    const login = typeof row.sys_created_by === 'string' ? row.sys_created_by : undefined;
    const who = login ? await lookupLogin(api, login) : undefined;
    out.push({
      author: who?.name ?? UNKNOWN,
      ...(login ? { authorId: login } : {}),
      role: login && login === callerLogin ? 'customer' : login === 'system' ? 'system' : 'agent',
      public: row.element === 'comments',
      body: text,
      at,
    });
  }
  return out;
}
