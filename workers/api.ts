import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/api/app.js';
import { API_POOL_QUEUE_MS } from '../src/api/errors.js';
import { createMetrics } from '../src/api/metrics.js';
import type { Lifecycle } from '../src/api/routes/health.js';
import { startThreadSweep } from '../src/api/thread-sweep.js';
import { budgetDepsOf, startBudgetChecks } from '../src/budget/index.js';
import { type Config, loadConfigOrExit } from '../src/config.js';
import { pruneDeliveries } from '../src/db/versions.js';
import { captureConsole, toError } from '../src/logger.js';
import { type Reconciler, startReconciler } from '../src/qc/reconcile.js';
import { createRedis, quietQueue, redisTargetOf } from '../src/queue/connection.js';
import { createWriterPool } from '../src/queue/intake-writer.js';
import { QC_QUEUE } from '../src/queue/jobs.js';
import { checkEvictionPolicy, EvictionPolicyError } from '../src/queue/redis-policy.js';
import { scheduleSettingsOf } from '../src/queue/schedule.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { registerReview } from '../src/web/plugin.js';

/** Delivery ids matter only within a vendor's retry window; older records are pruned. */
const DELIVERY_RETENTION_DAYS = 30;

export interface ApiProcess {
  app: FastifyInstance;
  url: string;
  runtime: Runtime;
  reconciler: Reconciler;
  close(): Promise<void>;
}

/**
 * `ticket-qc serve` / workers/api.ts: the webhook API plus the reconciler.
 * Shutdown order: refuse new webhooks (503), stop the reconciler, let
 * requests in flight finish and close the server, close Redis, end the pool.
 */
export async function runApiProcess(
  config: Config,
  opts: { signals?: boolean } = {},
): Promise<ApiProcess> {
  // A burst of webhooks waits for a connection (API_POOL_QUEUE_MS) rather than failing at once;
  // a server that does not answer still fails the connect in 5 s (issue 13).
  const rt = createRuntime(config, { name: 'api', poolQueueTimeoutMs: API_POOL_QUEUE_MS });
  // Owning the process: its stdout is a JSON log stream, library console output included.
  if (opts.signals !== false) captureConsole(rt.logger);
  const redis = createRedis(redisTargetOf(config), 'producer', rt.logger);
  // Issue 10: an evicting Redis loses job payloads. Checked now when Redis
  // answers within 2 s (refused unless QC_ALLOW_EVICTION), and on every /readyz.
  const redisUp = await Promise.race([
    once(redis, 'ready').then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 2_000).unref()),
  ]).catch(() => false);
  if (redisUp) {
    try {
      await checkEvictionPolicy(redis, {
        allowEviction: config.QC_ALLOW_EVICTION,
        logger: rt.logger,
        role: 'api',
      });
    } catch (err) {
      rt.logger.fatal({ event: 'redis_eviction_refused' }, toError(err).message);
      redis.disconnect();
      await rt.pool.end();
      throw err;
    }
  }
  const queue = quietQueue(new Queue(QC_QUEUE, { connection: redis, prefix: config.QUEUE_PREFIX }));
  const lifecycle: Lifecycle = { draining: false };
  const metrics = createMetrics({ pool: rt.pool, queue, logger: rt.logger });
  // The intake writer's own two connections, pipelined: a group's BEGIN, ticket locks, rows and
  // COMMIT travel in one round trip (src/db/locks.ts). Same application name: they are the API's.
  const writerPool = createWriterPool(config.DATABASE_URL, {
    applicationName: 'api',
    logger: rt.logger,
  });
  const app = await buildApp({
    config,
    pool: rt.pool,
    writerPool,
    queue,
    redis,
    contexts: rt.contexts,
    logger: rt.logger,
    metrics,
    lifecycle,
    // The team-lead pages live in their own scope, with their own body parsers.
    extend: (scope) =>
      registerReview(scope, { pool: rt.pool, queue, redis, config, logger: rt.logger }),
  });
  // Budgets: every minute, warn at 80% and pause the qc queue at 100%.
  const budget = startBudgetChecks(budgetDepsOf(rt, queue), { intervalMs: 60_000 });
  const settings = scheduleSettingsOf(config);
  const reconciler = startReconciler(
    {
      pool: rt.pool,
      queue,
      contexts: rt.contexts,
      settings,
      logger: rt.logger,
      onPass: metrics.reconcilePass,
      attemptOrphanAfterMs: config.QC_ATTEMPT_ORPHAN_AFTER,
    },
    config.QC_RECONCILE_INTERVAL,
  );
  // Issue 14: tickets whose thread never came are graded after QC_NEEDS_THREAD_TIMEOUT.
  const threads = startThreadSweep({
    pool: rt.pool,
    timeoutMs: config.QC_NEEDS_THREAD_TIMEOUT,
    intervalMs: config.QC_THREAD_SWEEP_INTERVAL,
    logger: rt.logger,
  });
  const prune = setInterval(() => {
    pruneDeliveries(rt.pool, DELIVERY_RETENTION_DAYS).catch((err) =>
      rt.logger.warn({ err: toError(err).message }, 'pruning old webhook deliveries failed'),
    );
  }, 3_600_000);
  prune.unref();

  const url = await app.listen({ host: config.HOST, port: config.PORT });
  rt.shutdown
    .add('stop accepting webhooks (503)', () => {
      lifecycle.draining = true;
    })
    .add('stop the reconciler and budget checks', async () => {
      clearInterval(prune);
      await reconciler.stop();
      await budget.stop();
      await threads.stop();
    })
    .add('finish requests in flight and close the server', () => app.close())
    .add('close the queue and redis', async () => {
      await queue.close().catch(() => undefined);
      await redis.quit().catch(() => redis.disconnect());
    })
    .add('close postgres', async () => {
      await writerPool.end();
      await rt.pool.end();
    })
    .add('flush logs', () => new Promise<void>((resolve) => rt.logger.flush(() => resolve())));
  if (opts.signals !== false) rt.shutdown.installSignalHandlers();
  rt.logger.info(
    {
      url,
      sources: Object.keys(config.webhookSecrets),
      reconcileEveryMs: config.QC_RECONCILE_INTERVAL,
    },
    'api listening',
  );
  return { app, url, runtime: rt, reconciler, close: () => rt.shutdown.close() };
}

// Run directly (`tsx workers/api.ts`, the compose services): start the process.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runApiProcess(loadConfigOrExit()).catch((err: unknown) => {
    // Already logged as JSON; exit without a stack trace on stdout.
    if (!(err instanceof EvictionPolicyError)) throw err;
    process.exitCode = 78;
  });
}
