import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ReviewUser } from '../../config.js';
import type { Pool } from '../../db/pool.js';
import { ReviewError } from '../errors.js';
import { findSession, LOGIN_COOKIE, SESSION_COOKIE } from './sessions.js';

/**
 * One gate in front of every /review route, including Bull Board's: no
 * session → refused; a state-changing request without the session's CSRF
 * token → refused; an admin-only route for a reviewer → refused. Routes opt
 * out only through their config (the login form), never by a path list.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface GuardDeps {
  pool: Pool;
  users: ReviewUser[];
  now: () => Date;
  /** Where the pages live, for the login redirect. */
  base: string;
}

function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function signedCookie(req: FastifyRequest, name: string): string | undefined {
  const value = req.cookies[name];
  if (!value) return undefined;
  const u = req.unsignCookie(value);
  return u.valid && u.value ? u.value : undefined;
}

/** The CSRF token a request carries: a form field, or the header Bull Board's axios sends. */
function presentedToken(req: FastifyRequest): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const field = body && typeof body === 'object' ? body._csrf : undefined;
  if (typeof field === 'string') return field;
  const header = req.headers['x-csrf-token'] ?? req.headers['x-xsrf-token'];
  return typeof header === 'string' ? header : undefined;
}

/** A browser asking for a page goes to the login form; anything else gets a plain 401. */
function refuseAnonymous(req: FastifyRequest, reply: FastifyReply, base: string) {
  const wantsHtml = (req.headers.accept ?? '').includes('text/html');
  if (SAFE_METHODS.has(req.method) && wantsHtml) {
    return reply.redirect(`${base}/login?next=${encodeURIComponent(req.url)}`, 302);
  }
  return reply.code(401).type('application/json').send({ error: 'login required' });
}

export function installGuard(app: FastifyInstance, deps: GuardDeps): void {
  app.decorateRequest('reviewer', null);

  // Bull Board's routes carry no config of ours: mark its writes admin-only as they register.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url.includes('/queues/api/') && methods.some((m) => !SAFE_METHODS.has(m))) {
      route.config = { ...(route.config ?? {}), reviewAdmin: true };
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    const token = signedCookie(req, SESSION_COOKIE);
    if (token) {
      const s = await findSession(deps.pool, token, deps.now());
      // The role comes from REVIEW_USERS now, not from when the session began.
      const user = s && deps.users.find((u) => u.name === s.username);
      if (s && user)
        req.reviewer = { name: user.name, role: user.role, csrf: s.csrf, sessionId: s.id };
    }
    if (req.routeOptions.config.reviewPublic || req.reviewer) return;
    return refuseAnonymous(req, reply, deps.base);
  });

  // preValidation runs after the body is parsed, so a form's _csrf field is readable,
  // and before the route's schemas: a forged or unauthorised request is refused as
  // such, whatever its fields say.
  app.addHook('preValidation', async (req) => {
    const cfg = req.routeOptions.config;
    if (!SAFE_METHODS.has(req.method)) {
      const expected = cfg.reviewPublic ? signedCookie(req, LOGIN_COOKIE) : req.reviewer?.csrf;
      if (!sameToken(presentedToken(req), expected)) {
        throw new ReviewError(403, 'Missing or invalid CSRF token: reload the page and try again.');
      }
    }
    if (cfg.reviewAdmin && req.reviewer?.role !== 'admin') {
      throw new ReviewError(403, 'Only an admin may do this.');
    }
  });
}
