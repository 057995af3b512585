import { randomUUID } from 'node:crypto';
import { hmacBase64, hmacHex } from '../../../src/api/auth.js';
import { sha256Hex } from '../../../src/ticket/hash.js';
import type { Ticket } from '../../../src/ticket/schema.js';
import { type DemoSource, encodeFor } from './encode.js';

/**
 * Signs a ticket as its vendor would and POSTs it to a running API: the demo
 * uses this to show the webhook path end to end with several vendors.
 */

export const DEMO_SOURCES: DemoSource[] = ['zendesk', 'jira', 'freshdesk', 'servicenow', 'generic'];

export interface SignedDelivery {
  source: DemoSource;
  body: string;
  headers: Record<string, string>;
}

/** The body and headers `source` would send for this ticket, signed with `secret`. */
export function signedDelivery(
  source: DemoSource,
  ticket: Ticket,
  secret: string,
  now = Date.now(),
): SignedDelivery {
  const recordId = sha256Hex(`${source}:${ticket.externalId}`).slice(0, 32);
  const body = JSON.stringify(encodeFor(source, ticket, { recordId, eventId: randomUUID() }));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  switch (source) {
    case 'zendesk': {
      const ts = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
      headers['x-zendesk-webhook-signature-timestamp'] = ts;
      headers['x-zendesk-webhook-signature'] = hmacBase64(secret, ts, body);
      break;
    }
    case 'jira':
      headers['x-hub-signature'] = `sha256=${hmacHex(secret, body)}`;
      headers['x-atlassian-webhook-identifier'] = randomUUID();
      break;
    case 'freshdesk':
    case 'servicenow':
      // The configured secret is `user:password` (Basic) or a bearer token.
      headers.authorization = secret.includes(':')
        ? `Basic ${Buffer.from(secret).toString('base64')}`
        : `Bearer ${secret}`;
      break;
    case 'generic':
      headers['x-signature'] = `sha256=${hmacHex(secret, body)}`;
      break;
  }
  return { source, body, headers };
}

export interface DeliveryResult {
  source: DemoSource;
  externalId: string;
  status: number;
  ticketId?: number;
  grading?: string;
  error?: string;
}

/**
 * Delivers each ticket as a webhook of the next vendor in turn (round-robin
 * over the sources that have a secret). Returns one result per ticket.
 */
export async function deliverAsWebhooks(
  baseUrl: string,
  tickets: Ticket[],
  secrets: Partial<Record<DemoSource, string>>,
  fetchImpl: typeof fetch = fetch,
): Promise<DeliveryResult[]> {
  const sources = DEMO_SOURCES.filter((s) => secrets[s]);
  if (sources.length === 0)
    throw new Error('no webhook secrets: set WEBHOOK_SECRET_<SOURCE> for at least one source');
  const results: DeliveryResult[] = [];
  for (const [i, ticket] of tickets.entries()) {
    const source = sources[i % sources.length] as DemoSource;
    const d = signedDelivery(source, ticket, secrets[source] as string);
    const res = await fetchImpl(`${baseUrl}/webhooks/${source}`, {
      method: 'POST',
      body: d.body,
      headers: d.headers,
    });
    const json = (await res.json().catch(() => ({}))) as {
      ticketId?: number;
      grading?: string;
      error?: { code: string; message: string };
    };
    results.push({
      source,
      externalId: ticket.externalId,
      status: res.status,
      ...(json.ticketId ? { ticketId: json.ticketId } : {}),
      ...(json.grading ? { grading: json.grading } : {}),
      ...(json.error ? { error: `${json.error.code}: ${json.error.message}` } : {}),
    });
  }
  return results;
}
