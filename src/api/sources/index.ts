import type { Logger } from 'pino';
import type { Queryable } from '../../db/pool.js';
import { externalIdByIssueId } from '../../db/threads.js';
import { freshdeskAdapter } from './freshdesk.js';
import { type FreshdeskApiConfig, freshdeskApiFromConfig } from './freshdesk-api.js';
import { genericAdapter } from './generic.js';
import { jiraAdapter } from './jira.js';
import { servicenowAdapter } from './servicenow.js';
import { type ServiceNowApiConfig, servicenowApiFromConfig } from './servicenow-api.js';
import type { SourceAdapter } from './types.js';
import { zendeskAdapter } from './zendesk.js';
import type { ZendeskApiOptions } from './zendesk-api.js';

export type { MapContext, MapResult, RawDelivery, SourceAdapter } from './types.js';
export type { ZendeskApiOptions } from './zendesk-api.js';
export { zendeskApiFromConfig } from './zendesk-api.js';

export const VENDOR_SOURCES = ['zendesk', 'jira', 'freshdesk', 'servicenow', 'generic'] as const;

export interface SourceRegistry {
  /**
   * The adapter for a source name: a named vendor, or — for any other name
   * that has a WEBHOOK_SECRET_<SOURCE> — the generic adapter, so a new help
   * desk (halopsa, connectwise…) needs a secret, not code. Undefined → 404.
   */
  adapterFor(source: string): SourceAdapter | undefined;
}

/** The settings the vendor adapters read (Issue 14 block of the config). */
export type VendorConfig = FreshdeskApiConfig &
  ServiceNowApiConfig & {
    SOURCE_CUSTOM_FIELDS: Record<string, string[]>;
  };

export function createSourceRegistry(opts: {
  secrets: Record<string, string[]>;
  zendeskApi?: ZendeskApiOptions | undefined;
  logger: Logger;
  /** Vendor API credentials and custom-field allow-lists; without it, no lookups and no custom fields. */
  vendors?: VendorConfig | undefined;
  /** For vendor API lookups; tests point it at a stand-in server. */
  fetch?: typeof fetch;
  /** Where Jira Server comment events find the issue they belong to. */
  db?: Queryable | undefined;
}): SourceRegistry {
  const v = opts.vendors;
  const f = opts.fetch ?? fetch;
  const allow = (source: string) => v?.SOURCE_CUSTOM_FIELDS[source] ?? [];
  const { db } = opts;
  const vendors: Record<string, SourceAdapter> = {
    zendesk: zendeskAdapter({
      api: opts.zendeskApi,
      logger: opts.logger,
      fetch: opts.fetch,
      customFields: allow('zendesk'),
      lookupTtlMs: v?.VENDOR_LOOKUP_TTL,
    }),
    jira: jiraAdapter({
      customFields: allow('jira'),
      findIssue: db ? (source, id) => externalIdByIssueId(db, source, id) : undefined,
    }),
    freshdesk: freshdeskAdapter({
      api: v ? freshdeskApiFromConfig(v, f, opts.logger) : undefined,
      customFields: allow('freshdesk'),
    }),
    servicenow: servicenowAdapter({
      api: v ? servicenowApiFromConfig(v, f, opts.logger) : undefined,
      customFields: allow('servicenow'),
    }),
    generic: genericAdapter,
  };
  return {
    adapterFor(source) {
      if (Object.hasOwn(vendors, source)) return vendors[source];
      if (/^[a-z0-9_-]{1,64}$/.test(source) && Object.hasOwn(opts.secrets, source))
        return genericAdapter;
      return undefined;
    },
  };
}
