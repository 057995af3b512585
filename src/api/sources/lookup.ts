import type { Logger } from 'pino';
import { toError } from '../../logger.js';

/**
 * Names for the ids vendors send. Webhooks carry a requester, an assignee or
 * an organisation as an id (Zendesk events, Freshdesk's REST ticket,
 * ServiceNow reference fields); the help desk's API turns it into a name.
 * Lookups run before the 202, so each is bounded in time, and answers are
 * cached (VENDOR_LOOKUP_TTL) because the same few hundred technicians and
 * customers come back all day. A failed lookup is not fatal: the ticket is
 * stored with the id in its own field and the name "unknown".
 */

export const UNKNOWN = 'unknown';

const LOOKUP_TIMEOUT_MS = 2_500;
const MAX_ENTRIES = 20_000;
// A miss (404, error) is retried sooner than a hit is refreshed.
const MISS_TTL_MS = 60_000;

export interface Named {
  name?: string | undefined;
  email?: string | undefined;
  /** ServiceNow's user_name, when the record has one. */
  login?: string | undefined;
  id?: string | undefined;
}

interface Entry {
  value: Named | undefined;
  expires: number;
}

/** A small TTL cache, oldest entries dropped first past MAX_ENTRIES. */
export class LookupCache {
  private readonly map = new Map<string, Entry>();
  hits = 0;
  misses = 0;
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Entry | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e;
  }

  set(key: string, value: Named | undefined): void {
    this.map.delete(key);
    this.map.set(key, { value, expires: this.now() + (value ? this.ttlMs : MISS_TTL_MS) });
    if (this.map.size > MAX_ENTRIES) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }
}

export interface VendorApiOptions {
  /** Requests go to this origin only: a payload cannot send our credentials elsewhere. */
  baseUrl: string;
  authorization: string;
  fetch: typeof fetch;
  cache: LookupCache;
  logger: Logger;
  vendor: string;
  timeoutMs?: number;
}

/** GET JSON from the vendor's API: undefined on any failure (logged), never a throw. */
export async function getJson(o: VendorApiOptions, path: string): Promise<unknown> {
  const url = new URL(path, `${o.baseUrl}/`);
  if (url.origin !== new URL(o.baseUrl).origin) return undefined;
  try {
    const res = await o.fetch(url, {
      headers: { authorization: o.authorization, accept: 'application/json' },
      signal: AbortSignal.timeout(o.timeoutMs ?? LOOKUP_TIMEOUT_MS),
    });
    if (!res.ok) {
      o.logger.warn({ vendor: o.vendor, path: url.pathname, status: res.status }, 'lookup failed');
      return undefined;
    }
    return await res.json();
  } catch (err) {
    o.logger.warn(
      { vendor: o.vendor, path: url.pathname, err: toError(err).message },
      'lookup failed',
    );
    return undefined;
  }
}

/** A cached lookup: `read` runs only on a cache miss; its undefined is cached briefly. */
export async function cached(
  o: VendorApiOptions,
  key: string,
  read: () => Promise<Named | undefined>,
): Promise<Named | undefined> {
  const hit = o.cache.get(key);
  if (hit) {
    o.cache.hits++;
    return hit.value;
  }
  o.cache.misses++;
  const value = await read();
  o.cache.set(key, value);
  return value;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** Reads name/email/user_name (strings) from a record, whatever else it holds. */
export function namedOf(record: unknown, id?: string): Named | undefined {
  if (!record || typeof record !== 'object') return undefined;
  const r = record as Record<string, unknown>;
  const name = text(r.name);
  const email = text(r.email);
  if (!name && !email) return undefined;
  return { name, email, login: text(r.user_name), id };
}

/** A person for the canonical ticket: the looked-up name, or the id with the name "unknown". */
export function personOrUnknown(id: string, found: Named | undefined) {
  return {
    id,
    name: found?.name ?? UNKNOWN,
    ...(found?.email ? { email: found.email } : {}),
  };
}
