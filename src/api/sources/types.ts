import type { IncomingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import type { Ticket, TicketInput } from '../../ticket/schema.js';
import type { AuthResult } from '../auth.js';
import { type Issue, invalidBody } from '../errors.js';

/** One delivery as it came off the wire: the signature covers `raw`, byte for byte. */
export interface RawDelivery {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

export interface MapContext {
  /** The source name from the URL; the ticket's `source`. */
  source: string;
  headers: IncomingHttpHeaders;
  /** Comes from deps so tests can point the Zendesk API at a stand-in server. */
  fetch: typeof fetch;
  signal?: AbortSignal;
}

export type MapResult =
  /** `ticket` is validated against the canonical schema afterwards, whatever the adapter built. */
  | {
      kind: 'ticket';
      ticket: TicketInput | Record<string, unknown>;
      deliveryId?: string | undefined;
    }
  /**
   * A vendor event that changes a stored ticket rather than carrying all of it
   * (a Jira comment event). `apply` builds the new version from the latest
   * stored version of (source, `externalId`), read under the ticket's lock —
   * undefined when none is stored — or says why there is none. Its ticket is
   * validated like any other.
   */
  | {
      kind: 'derived';
      externalId: string;
      deliveryId?: string | undefined;
      apply(latest: Ticket | undefined): TicketInput | { ignored: string };
    }
  /** A vendor event that carries no ticket version (deletions, user events): 202, nothing stored. */
  | { kind: 'ignored'; reason: string };

export interface SourceAdapter {
  /** Human description of how deliveries authenticate, for logs and docs. */
  auth: string;
  /** True when the body is our canonical Ticket JSON: validation paths then need no prefix. */
  canonicalBody?: boolean;
  verify(delivery: RawDelivery, secrets: string[], now: number): AuthResult;
  /** Vendor payload → canonical ticket input; throws ApiError('invalid_body') with paths. */
  map(body: unknown, ctx: MapContext): Promise<MapResult>;
}

export function issuesOf(error: z.ZodError, prefix = ''): Issue[] {
  return error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)',
    message: i.message,
  }));
}

/** Parses a vendor payload with its zod schema, or throws a 400 listing each bad path. */
export function parseVendor<S extends z.ZodType>(
  schema: S,
  body: unknown,
  vendor: string,
  prefix = '',
): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success)
    throw invalidBody(issuesOf(r.error, prefix), `not a ${vendor} payload we can read`);
  return r.data;
}
