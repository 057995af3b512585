import type { Logger } from 'pino';
import {
  cached,
  getJson,
  LookupCache,
  type Named,
  namedOf,
  type VendorApiOptions,
} from './lookup.js';

/**
 * Freshdesk API v2, for what a webhook leaves as ids: contacts
 * (`/api/v2/contacts/{id}`), agents (`/api/v2/agents/{id}`, name under
 * `contact`), companies and groups; and the conversations of a ticket when
 * the body did not carry them. API key auth: Basic `<key>:X`.
 */

export interface FreshdeskApiConfig {
  FRESHDESK_DOMAIN?: string | undefined;
  FRESHDESK_API_KEY?: string | undefined;
  FRESHDESK_API_BASE_URL?: string | undefined;
  VENDOR_LOOKUP_TTL: number;
}

export function freshdeskApiFromConfig(
  c: FreshdeskApiConfig,
  fetchImpl: typeof fetch,
  logger: Logger,
): VendorApiOptions | undefined {
  if (!c.FRESHDESK_API_KEY) return undefined;
  const domain = c.FRESHDESK_DOMAIN?.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  const baseUrl =
    c.FRESHDESK_API_BASE_URL ??
    (domain ? `https://${domain.includes('.') ? domain : `${domain}.freshdesk.com`}` : undefined);
  if (!baseUrl) return undefined;
  return {
    vendor: 'freshdesk',
    baseUrl: baseUrl.replace(/\/+$/, ''),
    authorization: `Basic ${Buffer.from(`${c.FRESHDESK_API_KEY}:X`).toString('base64')}`,
    fetch: fetchImpl,
    cache: new LookupCache(c.VENDOR_LOOKUP_TTL),
    logger,
  };
}

export type FreshdeskEntity = 'contacts' | 'agents' | 'companies' | 'groups';

/** The name (and e-mail) behind a Freshdesk id, cached. */
export function lookupFreshdesk(
  api: VendorApiOptions,
  entity: FreshdeskEntity,
  id: string,
): Promise<Named | undefined> {
  if (!/^\d{1,20}$/.test(id)) return Promise.resolve(undefined);
  return cached(api, `${entity}/${id}`, async () => {
    const body = await getJson(api, `api/v2/${entity}/${id}`);
    // An agent's name and e-mail are on its contact.
    const record =
      entity === 'agents' ? (body as { contact?: unknown } | undefined)?.contact : body;
    return namedOf(record, id);
  });
}

/** `GET /api/v2/tickets/{id}/conversations`: a bare array, or undefined when it could not be read. */
export async function fetchConversations(
  api: VendorApiOptions,
  ticketId: string,
): Promise<unknown[] | undefined> {
  if (!/^\d{1,20}$/.test(ticketId)) return undefined;
  const body = await getJson(api, `api/v2/tickets/${ticketId}/conversations?per_page=100`);
  return Array.isArray(body) ? body : undefined;
}
