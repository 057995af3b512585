import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { Queue } from 'bullmq';
import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';
import { hasZodFastifySchemaValidationErrors, validatorCompiler } from 'fastify-type-provider-zod';
import { defaultBudgetNotify } from '../budget/notify.js';
import { isDataException } from '../db/errors.js';
import { DecisionError } from '../decisions/decisions.js';
import { html } from '../format/html.js';
import { quietQueue } from '../queue/connection.js';
import { QC_QUEUE } from '../queue/jobs.js';
import { installGuard } from './auth/guard.js';
import { REVIEW_CSP, servedOverHttps } from './auth/headers.js';
import { registerLoginRoutes } from './auth/routes.js';
import type { ReviewDeps } from './deps.js';
import { ReviewError } from './errors.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerBoard } from './routes/board.js';
import { render } from './routes/common.js';
import { registerContextRoutes } from './routes/context.js';
import { registerCostRoutes } from './routes/costs.js';
import { registerEscalationRoutes } from './routes/escalations.js';
import { registerOverrideRoutes } from './routes/overrides.js';
import { registerProposalRoutes } from './routes/proposals.js';
import { registerQueueRoutes } from './routes/queue.js';
import { registerSupervisionRoutes } from './routes/supervision.js';
import { registerTechnicianRoutes } from './routes/technicians.js';
import { registerTicketRoutes } from './routes/tickets.js';
import { registerTodayRoutes } from './routes/today.js';
import { registerTrendRoutes } from './routes/trends.js';
import { APP_JS } from './views/script.js';

/**
 * The team-lead pages: `await app.register(reviewPlugin, { prefix: '/review', deps })`.
 * Encapsulated: its cookie, form and JSON parsers, guard and error page stay
 * inside /review and do not touch the webhook routes' raw-body parsing.
 */

export interface ReviewPluginOptions {
  deps: ReviewDeps;
}

const DECISION_STATUS = { not_found: 404, not_pending: 409, stale: 409, bad_request: 400 } as const;

/** A route schema refused the request: what the reviewer reads, each reason once. */
function validationMessage(err: unknown): string | undefined {
  if (!hasZodFastifySchemaValidationErrors(err)) return undefined;
  return [...new Set(err.validation.map((i) => i.message))].join('; ');
}

function statusOf(err: FastifyError | Error): number {
  if (err instanceof ReviewError) return err.statusCode;
  if (err instanceof DecisionError) return DECISION_STATUS[err.code];
  // A value from the request that PostgreSQL refuses (a NUL, "abc" or 1e30 as an id): the client's, not ours.
  if (isDataException(err)) return 400;
  const s = (err as FastifyError).statusCode;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : 500;
}

export const reviewPlugin: FastifyPluginAsync<ReviewPluginOptions> = async (app, opts) => {
  const { deps } = opts;
  const { config, pool, logger } = deps;
  const base = app.prefix;
  const now = deps.now ?? (() => new Date());

  if (!config.SESSION_SECRET || config.REVIEW_USERS.length === 0) {
    // Without users or a secret nothing could be protected: say so rather than serve pages.
    logger.warn('review pages disabled: set SESSION_SECRET and REVIEW_USERS to enable /review');
    const off = async () => ({
      error: 'review pages are disabled: set SESSION_SECRET and REVIEW_USERS',
    });
    app.get('/', async (_req, reply) => reply.code(503).send(await off()));
    app.get('/*', async (_req, reply) => reply.code(503).send(await off()));
    return;
  }

  // The API's root context keeps request bodies as raw bytes for webhook
  // signatures; these pages read forms and Bull Board's JSON instead.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: 1_048_576 },
    (_req, body, done) => {
      try {
        done(null, body === '' ? {} : JSON.parse(String(body)));
      } catch (err) {
        done(Object.assign(err as Error, { statusCode: 400 }), undefined);
      }
    },
  );
  await app.register(formbody, { bodyLimit: 1_048_576 });
  await app.register(cookie, { secret: config.SESSION_SECRET });
  // Route inputs are declared as zod schemas (routes/inputs.ts).
  app.setValidatorCompiler(validatorCompiler);

  installGuard(app, { pool, users: config.REVIEW_USERS, now, base });
  // One click approves a proposal or resumes a paused queue: no other site may frame these pages.
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-frame-options', 'DENY');
    reply.header('content-security-policy', REVIEW_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    if (servedOverHttps(req, config.TRUST_PROXY)) {
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    }
  });

  app.setErrorHandler((err: FastifyError | Error, req, reply) => {
    const status = statusOf(err);
    if (status >= 500) req.log.error({ err }, 'review page failed');
    const message =
      status >= 500
        ? 'Something went wrong; the error is in the server log.'
        : isDataException(err)
          ? 'A value in the request cannot be used here.'
          : (validationMessage(err) ?? err.message);
    if (!(req.headers.accept ?? '').includes('text/html'))
      return reply.code(status).send({ error: message });
    const body = html`<h1>${status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Could not do that'}</h1>
      <section class="card"><p>${message}</p><p><a href="javascript:history.back()">← Back</a></p></section>`;
    return render(req, reply.code(status), base, { title: 'Error', body });
  });

  const queue =
    deps.queue ??
    (deps.redis
      ? quietQueue(new Queue(QC_QUEUE, { connection: deps.redis, prefix: config.QUEUE_PREFIX }))
      : undefined);
  if (queue && !deps.queue) app.addHook('onClose', async () => queue.close());
  const notify = deps.notify ?? defaultBudgetNotify(config, logger);
  const common = { pool, base, now };

  registerLoginRoutes(app, {
    pool,
    users: config.REVIEW_USERS,
    now,
    base,
    throttle: {
      freeFailures: config.LOGIN_FREE_FAILURES,
      maxBackoffMs: config.LOGIN_MAX_BACKOFF,
      ipLimit: config.LOGIN_IP_LIMIT,
      ipWindowMs: config.LOGIN_IP_WINDOW,
    },
  });
  // The pages' one script, public like the login form that loads it too.
  app.get('/static/app.js', { config: { reviewPublic: true } }, async (_req, reply) =>
    reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(APP_JS),
  );
  registerTodayRoutes(app, { ...common, config, queue });
  registerTicketRoutes(app, common);
  registerTrendRoutes(app, common);
  registerEscalationRoutes(app, common);
  registerOverrideRoutes(app, common);
  registerTechnicianRoutes(app, common);
  registerProposalRoutes(app, common);
  registerContextRoutes(app, common);
  registerCostRoutes(app, { ...common, config });
  registerSupervisionRoutes(app, { ...common, config });
  registerQueueRoutes(app, { ...common, config, queue, logger, notify });
  registerAuditRoutes(app, common);
  if (queue) await registerBoard(app, { pool, queue, base });

  // An unknown /review address: a page for a person, JSON for anything else.
  app.setNotFoundHandler((req, reply) => {
    const message = `There is no page at ${req.url.split('?')[0] ?? ''}.`;
    if (!(req.headers.accept ?? '').includes('text/html'))
      return reply.code(404).send({ error: message });
    const body = html`<h1>Not found</h1><section class="card"><p>${message}</p>
      <p><a href="${base}/">Today</a> · <a href="${base}/tickets">Tickets</a> · <a href="${base}/escalations">Escalations</a></p></section>`;
    return render(req, reply.code(404), base, { title: 'Not found', body });
  });
};

/** The one line for the API app: registers every /review route on it. */
export async function registerReview(app: FastifyInstance, deps: ReviewDeps): Promise<void> {
  await app.register(reviewPlugin, { prefix: '/review', deps });
}
