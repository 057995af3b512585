import type { Queue } from 'bullmq';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ContextStore } from '../context/store.js';
import { isPoolBusy, type Pool } from '../db/pool.js';
import { qcContextOf } from '../qc/context.js';
import { cachedContextVersion } from '../queue/intake.js';
import { scheduleSettingsOf } from '../queue/schedule.js';
import { clientErrorHandler, frameworkErrors, fromValidationError } from './client-errors.js';
import {
  ApiError,
  errorBody,
  fromFastifyError,
  isDatabaseUnavailable,
  isDataException,
} from './errors.js';
import { createMetrics, type IngestMetrics } from './metrics.js';
import { registerEventRoutes } from './routes/events.js';
import { type Lifecycle, registerHealthRoutes } from './routes/health.js';
import { registerWebhookRoutes, sourceLabel } from './routes/webhooks.js';
import { echoIdentityOf } from './sources/echo.js';
import { createSourceRegistry, zendeskApiFromConfig } from './sources/index.js';

/** Header names whose values never reach a log line (on top of the logger's own list). */
const SECRET_HEADERS = [
  'authorization',
  'x-hub-signature',
  'x-signature',
  'x-zendesk-webhook-signature',
  'x-webhook-token',
  'cookie',
].map((h) => `req.headers["${h}"]`);

export interface AppDeps {
  config: Config;
  pool: Pool;
  /** A pipelined pool for the intake writer (one round trip per group's transaction); default `pool`. */
  writerPool?: Pool | undefined;
  /** The producer-side qc queue; without it every version waits for the reconciler. */
  queue?: Queue | undefined;
  /** The queue's connection, pinged by /readyz. */
  redis?: Redis | Cluster | undefined;
  contexts: ContextStore;
  logger: Logger;
  metrics?: IngestMetrics;
  lifecycle?: Lifecycle;
  /** For the Zendesk Tickets API; tests point it at a stand-in server. */
  fetch?: typeof fetch;
  now?: () => number;
  /**
   * More routes on the same server (e.g. the review pages), registered in
   * their own encapsulated context so they can add body parsers of their own
   * (this app only parses raw JSON bytes).
   */
  extend?: (app: FastifyInstance) => Promise<void> | void;
}

/**
 * The HTTP API, built but not listening: tests use inject() or listen on port
 * 0; runApiProcess listens on HOST:PORT.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const logger = deps.logger.child(
    { component: 'api' },
    { redact: { paths: SECRET_HEADERS, censor: '[redacted]' } },
  );
  const metrics = deps.metrics ?? createMetrics({ pool: deps.pool, queue: deps.queue, logger });
  const lifecycle = deps.lifecycle ?? { draining: false };
  const now = deps.now ?? Date.now;
  const sources = createSourceRegistry({
    secrets: config.webhookSecrets,
    zendeskApi: zendeskApiFromConfig(config),
    logger,
    vendors: config,
    fetch: deps.fetch ?? fetch,
    db: deps.pool,
  });

  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance's default generics.
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // A slow client cannot hold a connection forever.
    requestTimeout: 30_000,
    // One line per webhook (ours, with the outcome) instead of Fastify's two per request.
    logController: new LogController({ disableRequestLogging: true }),
    // 431, a malformed Content-Length, 414 and friends: the same error envelope as the routes'.
    clientErrorHandler: clientErrorHandler(logger as FastifyBaseLogger),
    frameworkErrors,
  });
  // Route inputs (params, query, body) are zod schemas on the routes.
  app.setValidatorCompiler(validatorCompiler);

  // Bodies stay raw bytes: signatures are computed over exactly what arrived.
  app.removeAllContentTypeParsers();
  for (const type of ['application/json', /^application\/[\w.-]+\+json$/]) {
    app.addContentTypeParser(
      type,
      { parseAs: 'buffer', bodyLimit: config.BODY_LIMIT_BYTES },
      (_req, body, done) => done(null, body),
    );
  }

  // Callback-style hooks: they run on every request, and an async hook costs a promise each time.
  app.addHook('onRequest', (req, _reply, done) => {
    if (lifecycle.draining && req.method === 'POST')
      done(new ApiError('shutting_down', undefined, [], 5));
    else done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    if (req.routeOptions.url === '/webhooks/:source') {
      const source = sourceLabel(sources, (req.params as { source?: string }).source);
      metrics.duration.observe(
        { source, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    }
    done();
  });

  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send(errorBody(new ApiError('not_found'))),
  );
  app.setErrorHandler((raw: FastifyError | Error, req, reply) => {
    let err =
      raw instanceof ApiError
        ? raw
        : (fromValidationError(raw) ?? fromFastifyError(raw as FastifyError));
    if (!err && isPoolBusy(raw))
      err = new ApiError('database_busy', undefined, [], 5, { cause: raw });
    if (!err && isDatabaseUnavailable(raw))
      err = new ApiError('database_unavailable', undefined, [], 5, { cause: raw });
    if (!err && isDataException(raw))
      err = new ApiError('unstorable_value', undefined, [], undefined, { cause: raw });
    if (!err) {
      req.log.error({ err: raw }, 'unhandled error');
      err = new ApiError('internal');
    }
    const webhook = req.routeOptions.url === '/webhooks/:source';
    const source = webhook
      ? sourceLabel(sources, (req.params as { source?: string }).source)
      : undefined;
    if (source) metrics.rejected.inc({ source, reason: err.code });
    const level = err.status >= 500 ? 'warn' : 'info';
    req.log[level](
      {
        route: req.routeOptions.url ?? req.url.slice(0, 100),
        source,
        ip: req.ip,
        status: err.status,
        code: err.code,
      },
      err.message,
    );
    if (err.retryAfterSeconds) reply.header('retry-after', String(err.retryAfterSeconds));
    return reply.code(err.status).send(errorBody(err));
  });

  const contextVersion = cachedContextVersion(
    async () => qcContextOf(await deps.contexts.active()).version,
  );
  registerWebhookRoutes(app, {
    sources,
    secrets: config.webhookSecrets,
    echo: echoIdentityOf(config),
    metrics,
    fetch: deps.fetch ?? fetch,
    now,
    maxClockSkewMs: config.QC_MAX_CLOCK_SKEW,
    ingest: {
      pool: deps.pool,
      writerPool: deps.writerPool,
      queue: deps.queue,
      settings: scheduleSettingsOf(config),
      contextVersion,
      metrics,
      logger,
    },
  });
  registerEventRoutes(app, {
    pool: deps.pool,
    contexts: deps.contexts,
    tokens: (config.EVENTS_TOKEN ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    metrics,
    now,
  });
  registerHealthRoutes(app, {
    pool: deps.pool,
    redis: deps.redis,
    metrics,
    lifecycle,
    allowEviction: config.QC_ALLOW_EVICTION,
  });
  if (deps.extend) await app.register(async (scope) => deps.extend?.(scope));
  await app.ready();
  return app;
}
