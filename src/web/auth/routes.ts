import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ReviewUser } from '../../config.js';
import { audit } from '../../db/audit.js';
import { bumpLoginBurst, insertLoginBurst } from '../../db/login-audit.js';
import type { Pool } from '../../db/pool.js';
import { verifyPassword } from '../../decisions/password.js';
import { html } from '../../format/html.js';
import { form as formBody } from '../routes/inputs.js';
import { page } from '../views/layout.js';
import {
  CSRF_COOKIE,
  createSession,
  deleteSession,
  LOGIN_COOKIE,
  newToken,
  SESSION_COOKIE,
  SESSION_TTL_MS,
} from './sessions.js';
import { AuditBursts, LoginThrottle, type ThrottleOptions, VerifyTimer } from './throttle.js';

/** Login and logout. The only public route is the login form (GET and its POST). */

export interface LoginDeps {
  pool: Pool;
  users: ReviewUser[];
  now: () => Date;
  base: string;
  throttle?: Partial<ThrottleOptions>;
}

const THROTTLE_DEFAULTS: ThrottleOptions = {
  freeFailures: 3,
  maxBackoffMs: 15 * 60_000,
  ipLimit: 30,
  ipWindowMs: 15 * 60_000,
};

/** Set after a successful sign-in: this browser has been that user before (signed, 90 days). */
const KNOWN_COOKIE = 'tqc_known';
const KNOWN_MAX_AGE_S = 90 * 86_400;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Only a path inside the review pages: `next` must never send a reviewer
 * elsewhere. Printable ASCII only: a control or non-Latin-1 character cannot
 * go into a Location header, and would turn the login into a 500.
 */
function safeNext(next: unknown, base: string): string {
  return typeof next === 'string' &&
    next.startsWith(`${base}/`) &&
    !next.startsWith('//') &&
    /^[\x21-\x7e]+$/.test(next) &&
    !next.includes('\\')
    ? next
    : `${base}/escalations`;
}

/** Whatever was typed, as text (a JSON client may send a number). */
const typed = z.preprocess((v) => (v === undefined || v === null ? '' : String(v)), z.string());

/** `next` may be anything: safeNext decides, and falls back to the escalations. */
const LoginQuery = z.object({ next: z.unknown().optional() });
const LoginForm = formBody({ username: typed, password: typed, next: z.unknown().optional() });

/** What is remembered or audited of a typed name: a wrong one may be any size the form allows. */
const MAX_NAME = 128;

/** A typed name as it may be stored: bounded, and without control characters (NUL breaks PostgreSQL). */
function storableName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  return name.slice(0, MAX_NAME).replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

export function registerLoginRoutes(app: FastifyInstance, deps: LoginDeps): void {
  const { base } = deps;
  const throttle = new LoginThrottle(
    deps.users.map((u) => u.name),
    { ...THROTTLE_DEFAULTS, ...deps.throttle },
  );
  const bursts = new AuditBursts();
  const timer = new VerifyTimer();
  /** One audit row per burst (per typed name, or per address once it is blocked). */
  const auditFailure = async (key: string, actor: string, action: string, ip: string) => {
    const at = deps.now();
    const open = bursts.current(key, at.getTime());
    if (open) {
      await bumpLoginBurst(deps.pool, open.rowId, { count: open.count, ip, at });
    } else {
      bursts.opened(
        key,
        await insertLoginBurst(deps.pool, { actor, action, ip, at }),
        at.getTime(),
      );
    }
  };
  const cookie = (req: FastifyRequest, httpOnly = true) =>
    ({
      path: base,
      httpOnly,
      sameSite: 'lax',
      secure: req.protocol === 'https',
      signed: true,
    }) as const;

  const form = (req: FastifyRequest, reply: FastifyReply, next: string, error?: string) => {
    const token = newToken();
    reply.setCookie(LOGIN_COOKIE, token, { ...cookie(req), sameSite: 'strict' });
    const body = html`<div class="login card"><h1>Sign in</h1>
      <p class="sub">Team-lead review for ticket-qc.</p>
      <form method="post" action="${base}/login">
        <input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="next" value="${next}">
        <label for="username">Name</label><input id="username" type="text" name="username" autocomplete="username" required autofocus>
        <label for="password">Password</label><input id="password" type="password" name="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button></form></div>`;
    return reply
      .code(error ? 401 : 200)
      .type('text/html')
      .send(
        page({
          title: 'Sign in',
          reviewer: null,
          body,
          base,
          flash: error ? { text: error, error: true } : undefined,
        }),
      );
  };

  const r = app.withTypeProvider<ZodTypeProvider>();
  const open = { config: { reviewPublic: true } };

  r.get('/login', { ...open, schema: { querystring: LoginQuery } }, async (req, reply) => {
    return form(req, reply, safeNext(req.query.next, base));
  });

  r.post('/login', { ...open, schema: { body: LoginForm } }, async (req, reply) => {
    const b = req.body;
    const name = b.username.trim();
    const next = safeNext(b.next, base);
    // The bounded name: a flood of megabyte-long names must not fill memory.
    const stored = storableName(name);
    const now = deps.now().getTime();
    const known = req.unsignCookie(req.cookies[KNOWN_COOKIE] ?? '');
    const knownDevice = known.valid && known.value === name && name !== '';
    if (!knownDevice) {
      // Checked before any scrypt: a held-back try costs nothing but this.
      const wait = Math.max(throttle.ipWaitMs(req.ip, now), throttle.nameWaitMs(stored, now));
      if (wait > 0) {
        await auditFailure(`blocked|${req.ip}`, stored || '(empty)', 'login.blocked', req.ip);
        const s = Math.ceil(wait / 1000);
        reply.header('retry-after', String(s));
        return form(req, reply, next, `Too many failed attempts. Try again in ${s} s.`);
      }
    }
    const user = throttle.isKnownName(name) ? deps.users.find((u) => u.name === name) : undefined;
    let ok = false;
    if (user) {
      const started = performance.now();
      ok = await verifyPassword(String(b.password ?? ''), user.passwordHash);
      timer.observe(performance.now() - started);
    } else {
      // No scrypt for a name nobody has; answer after scrypt's usual time, which costs no CPU.
      await sleep(timer.typicalMs);
    }
    if (!ok || !user) {
      throttle.fail(stored, req.ip, now);
      await auditFailure(`name|${stored}`, stored || '(empty)', 'login.failed', req.ip);
      return form(req, reply, next, 'Wrong name or password.');
    }
    throttle.succeed(stored);
    const s = await createSession(deps.pool, user.name, deps.now());
    const maxAge = Math.floor(SESSION_TTL_MS / 1000);
    reply.clearCookie(LOGIN_COOKIE, { path: base });
    reply.setCookie(SESSION_COOKIE, s.token, { ...cookie(req), maxAge });
    reply.setCookie(CSRF_COOKIE, s.csrf, { ...cookie(req, false), signed: false, maxAge });
    reply.setCookie(KNOWN_COOKIE, user.name, { ...cookie(req), maxAge: KNOWN_MAX_AGE_S });
    await audit(deps.pool, {
      actor: user.name,
      role: user.role,
      via: 'web',
      action: 'login',
      details: { ip: req.ip },
    });
    return reply.redirect(next, 303);
  });

  r.post('/logout', { schema: { body: formBody({}) } }, async (req, reply) => {
    if (req.reviewer) await deleteSession(deps.pool, req.reviewer.sessionId);
    reply.clearCookie(SESSION_COOKIE, { path: base });
    reply.clearCookie(CSRF_COOKIE, { path: base });
    return reply.redirect(`${base}/login`, 303);
  });
}
