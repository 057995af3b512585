import type { Logger } from 'pino';
import { z } from 'zod';
import { toError } from '../../logger.js';
import type { Comment, Person } from '../../ticket/schema.js';
import {
  cached,
  getJson,
  type LookupCache,
  type Named,
  namedOf,
  type VendorApiOptions,
} from './lookup.js';
import { compact, toIsoTime } from './util.js';

/**
 * The comment thread of a Zendesk ticket, read through the Tickets API
 * (`GET /api/v2/tickets/{id}/comments.json?include=users`), because ticket
 * event webhooks carry the ticket but not its comments.
 */

export interface ZendeskApiOptions {
  /** https://<subdomain>.zendesk.com, or ZENDESK_API_BASE_URL (a stand-in in tests). */
  baseUrl: string;
  token: string;
  /** With an email: API token auth (`email/token:token`); without: an OAuth bearer token. */
  email?: string | undefined;
  /** Per page; defaults to PAGE_TIMEOUT_MS. */
  timeoutMs?: number;
  /** For the whole thread; defaults to THREAD_DEADLINE_MS. */
  deadlineMs?: number;
}

export function zendeskApiFromConfig(c: {
  ZENDESK_SUBDOMAIN?: string | undefined;
  ZENDESK_API_TOKEN?: string | undefined;
  ZENDESK_EMAIL?: string | undefined;
  ZENDESK_API_BASE_URL?: string | undefined;
  ZENDESK_THREAD_DEADLINE?: number | undefined;
}): ZendeskApiOptions | undefined {
  if (!c.ZENDESK_API_TOKEN) return undefined;
  const baseUrl =
    c.ZENDESK_API_BASE_URL ??
    (c.ZENDESK_SUBDOMAIN ? `https://${c.ZENDESK_SUBDOMAIN}.zendesk.com` : undefined);
  if (!baseUrl) return undefined;
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    token: c.ZENDESK_API_TOKEN,
    email: c.ZENDESK_EMAIL,
    ...(c.ZENDESK_THREAD_DEADLINE ? { deadlineMs: c.ZENDESK_THREAD_DEADLINE } : {}),
  };
}

const ApiComment = z.object({
  id: z.union([z.number(), z.string()]),
  author_id: z.union([z.number(), z.string()]).nullish(),
  body: z.string().nullish(),
  plain_body: z.string().nullish(),
  public: z.boolean().nullish(),
  created_at: z.string(),
});
const ApiUser = z.object({
  id: z.union([z.number(), z.string()]),
  name: z.string().nullish(),
  email: z.string().nullish(),
  role: z.string().nullish(),
});
const Page = z.object({
  comments: z.array(ApiComment),
  users: z.array(ApiUser).optional(),
  next_page: z.string().nullish(),
  meta: z.object({ has_more: z.boolean().optional() }).optional(),
  links: z.object({ next: z.string().nullish() }).optional(),
});

export interface ZendeskThread {
  comments: Comment[];
  people: Map<string, Person>;
  /** False when reading stopped before the last page (deadline, error, page cap): `comments` is what was read. */
  complete: boolean;
}

const MAX_PAGES = 20;
const PAGE_TIMEOUT_MS = 5_000;
/**
 * The whole thread must be read within this, pages included. We read it
 * before answering the webhook, and Zendesk gives up on a webhook request
 * after about 10 seconds (and counts it as a failure toward its circuit
 * breaker); the rest of the 10 s is for storing, queueing and the network.
 * Past the deadline the ticket is stored with the pages read so far, marked
 * thread-incomplete.
 */
export const THREAD_DEADLINE_MS = 7_000;

function authorization(o: ZendeskApiOptions): string {
  if (!o.email) return `Bearer ${o.token}`;
  return `Basic ${Buffer.from(`${o.email}/token:${o.token}`).toString('base64')}`;
}

/**
 * Reads the thread within THREAD_DEADLINE_MS. When reading stops early
 * (deadline, error, bad page, page cap) the pages read so far are returned as an
 * incomplete thread, and a warning logged; undefined when not even the first
 * page could be read — the ticket is then stored as thread-incomplete.
 */
export async function fetchZendeskThread(
  ticketId: string,
  o: ZendeskApiOptions,
  fetchImpl: typeof fetch,
  logger: Logger,
): Promise<ZendeskThread | undefined> {
  const origin = new URL(o.baseUrl).origin;
  let url: string | undefined =
    `${o.baseUrl}/api/v2/tickets/${encodeURIComponent(ticketId)}/comments.json?include=users&page%5Bsize%5D=100`;
  const raw: z.infer<typeof ApiComment>[] = [];
  const users = new Map<string, z.infer<typeof ApiUser>>();
  const deadlineMs = o.deadlineMs ?? THREAD_DEADLINE_MS;
  const deadline = AbortSignal.timeout(deadlineMs);
  let pages = 0;
  let complete = true;
  const stop = (reason: string) => {
    complete = false;
    logger.warn(
      { ticketId, pagesRead: pages, commentsRead: raw.length, reason },
      pages > 0
        ? 'zendesk comments fetch stopped early; storing the comments read so far as a thread-incomplete ticket'
        : 'zendesk comments fetch failed; storing the ticket as thread-incomplete',
    );
  };
  try {
    while (url) {
      if (pages >= MAX_PAGES) {
        stop(`more than ${MAX_PAGES} pages`);
        break;
      }
      const res = await fetchImpl(url, {
        headers: { authorization: authorization(o), accept: 'application/json' },
        // The body is read under the same signals: a page that trickles in is cut off too.
        signal: AbortSignal.any([AbortSignal.timeout(o.timeoutMs ?? PAGE_TIMEOUT_MS), deadline]),
      });
      if (!res.ok) throw new Error(`Zendesk API answered ${res.status} for ticket ${ticketId}`);
      const body = Page.parse(await res.json());
      raw.push(...body.comments);
      for (const u of body.users ?? []) users.set(String(u.id), u);
      pages++;
      const next: string | undefined =
        body.links?.next && body.meta?.has_more ? body.links.next : (body.next_page ?? undefined);
      // Follow only links on the configured host: a response must not send our token elsewhere.
      url = next && new URL(next).origin === origin ? next : undefined;
      if (next && !url) stop('a next page on another host');
    }
  } catch (err) {
    stop(
      deadline.aborted
        ? `the ${deadlineMs} ms deadline for the whole thread passed`
        : toError(err).message,
    );
  }
  if (pages === 0) return undefined;
  const people = new Map<string, Person>();
  for (const [id, u] of users)
    people.set(id, compact({ id, name: u.name ?? undefined, email: u.email ?? undefined }));
  const comments: Comment[] = [];
  for (const c of raw) {
    const at = toIsoTime(c.created_at);
    if (!at) continue;
    const authorId =
      c.author_id === null || c.author_id === undefined ? undefined : String(c.author_id);
    const user = authorId ? users.get(authorId) : undefined;
    const role = !user ? 'system' : user.role === 'end-user' ? 'customer' : 'agent';
    comments.push({
      author: user?.name ?? (authorId ? 'unknown' : 'Zendesk'),
      ...(authorId && !user?.name ? { authorId } : {}),
      role,
      public: c.public ?? true,
      body: c.plain_body ?? c.body ?? '',
      at,
    });
  }
  return { comments, people, complete };
}

/** A Zendesk API client for lookups: the same credentials as the thread fetch, a shared cache. */
export function zendeskLookupApi(
  o: ZendeskApiOptions,
  fetchImpl: typeof fetch,
  cache: LookupCache,
  logger: Logger,
): VendorApiOptions {
  return {
    vendor: 'zendesk',
    baseUrl: o.baseUrl,
    authorization: authorization(o),
    fetch: fetchImpl,
    cache,
    logger,
  };
}

/** Names of Zendesk users, by id: cached ones from the cache, the rest in one show_many call. */
export async function lookupZendeskUsers(
  api: VendorApiOptions,
  ids: string[],
): Promise<Map<string, Named | undefined>> {
  const out = new Map<string, Named | undefined>();
  const todo: string[] = [];
  for (const id of new Set(ids)) {
    const hit = api.cache.get(`user/${id}`);
    if (hit) {
      api.cache.hits++;
      out.set(id, hit.value);
    } else if (/^\d{1,20}$/.test(id)) todo.push(id);
  }
  if (todo.length > 0) {
    api.cache.misses += todo.length;
    const body = (await getJson(api, `api/v2/users/show_many.json?ids=${todo.join(',')}`)) as
      | { users?: unknown[] }
      | undefined;
    const found = new Map<string, Named>();
    for (const u of body?.users ?? []) {
      const id = String((u as { id?: unknown }).id);
      const named = namedOf(u, id);
      if (named) found.set(id, named);
    }
    for (const id of todo) {
      // An unanswered call is not cached: the next delivery asks again.
      if (body) api.cache.set(`user/${id}`, found.get(id));
      out.set(id, found.get(id));
    }
  }
  return out;
}

/** The name of a Zendesk organization, cached. */
export function lookupZendeskOrganization(
  api: VendorApiOptions,
  id: string,
): Promise<Named | undefined> {
  if (!/^\d{1,20}$/.test(id)) return Promise.resolve(undefined);
  return cached(api, `organization/${id}`, async () => {
    const body = (await getJson(api, `api/v2/organizations/${id}.json`)) as
      | { organization?: unknown }
      | undefined;
    return namedOf(body?.organization, id);
  });
}

/** The ticket as the Tickets API shows it: what a sparse event leaves out. */
export async function fetchZendeskTicket(
  api: VendorApiOptions,
  id: string,
): Promise<Record<string, unknown> | undefined> {
  if (!/^\d{1,20}$/.test(id)) return undefined;
  const body = (await getJson(api, `api/v2/tickets/${id}.json`)) as
    | { ticket?: Record<string, unknown> }
    | undefined;
  return body?.ticket && typeof body.ticket === 'object' ? body.ticket : undefined;
}

/** Seeds the user cache from the users a thread fetch already returned. */
export function rememberUsers(api: VendorApiOptions, people: Map<string, Person>): void {
  for (const [id, p] of people)
    if (p.name || p.email) api.cache.set(`user/${id}`, { id, name: p.name, email: p.email });
}
