import type { Logger } from 'pino';
import { z } from 'zod';
import { toError } from '../../logger.js';
import type { Comment, Person } from '../../ticket/schema.js';
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
  timeoutMs?: number;
}

export function zendeskApiFromConfig(c: {
  ZENDESK_SUBDOMAIN?: string | undefined;
  ZENDESK_API_TOKEN?: string | undefined;
  ZENDESK_EMAIL?: string | undefined;
  ZENDESK_API_BASE_URL?: string | undefined;
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
}

const MAX_PAGES = 20;

function authorization(o: ZendeskApiOptions): string {
  if (!o.email) return `Bearer ${o.token}`;
  return `Basic ${Buffer.from(`${o.email}/token:${o.token}`).toString('base64')}`;
}

/** Returns undefined (and logs why) when the thread cannot be read: the ticket is then stored as incomplete. */
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
  try {
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const res = await fetchImpl(url, {
        headers: { authorization: authorization(o), accept: 'application/json' },
        signal: AbortSignal.timeout(o.timeoutMs ?? 5_000),
      });
      if (!res.ok) throw new Error(`Zendesk API answered ${res.status} for ticket ${ticketId}`);
      const body = Page.parse(await res.json());
      raw.push(...body.comments);
      for (const u of body.users ?? []) users.set(String(u.id), u);
      const next: string | undefined =
        body.links?.next && body.meta?.has_more ? body.links.next : (body.next_page ?? undefined);
      // Follow only links on the configured host: a response must not send our token elsewhere.
      url = next && new URL(next).origin === origin ? next : undefined;
    }
  } catch (err) {
    logger.warn(
      { ticketId, err: toError(err).message },
      'zendesk comments fetch failed; storing the ticket as thread-incomplete',
    );
    return undefined;
  }
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
      author: user?.name ?? (authorId ? `user ${authorId}` : 'Zendesk'),
      role,
      public: c.public ?? true,
      body: c.plain_body ?? c.body ?? '',
      at,
    });
  }
  return { comments, people };
}
