import type { Logger } from 'pino';
import { freshdeskAdapter } from './freshdesk.js';
import { genericAdapter } from './generic.js';
import { jiraAdapter } from './jira.js';
import { servicenowAdapter } from './servicenow.js';
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

export function createSourceRegistry(opts: {
  secrets: Record<string, string[]>;
  zendeskApi?: ZendeskApiOptions | undefined;
  logger: Logger;
}): SourceRegistry {
  const vendors: Record<string, SourceAdapter> = {
    zendesk: zendeskAdapter(opts.zendeskApi, opts.logger),
    jira: jiraAdapter,
    freshdesk: freshdeskAdapter,
    servicenow: servicenowAdapter,
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
