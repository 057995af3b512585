import { Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { CacheMonitor } from '../llm/cache-monitor.js';
import { RateLimiter } from '../llm/rate-limiter.js';
import { withRateLimiter } from '../llm/rate-middleware.js';
import { toError } from '../logger.js';
import { QC_QUEUE } from '../queue/jobs.js';
import type { Runtime } from '../runtime.js';
import { checkCacheable, qcContextOf } from './context.js';
import { type JobResult, makeQcProcessor, type ResumeGrade } from './processor.js';
import { deferWhileDatabaseDown } from './resilience.js';

export interface QcWorkerOptions {
  connection: Redis | Cluster;
  prefix: string;
  concurrency: number;
  /** Max model requests per minute per model, across every process on this Redis (0 = the API's own limit). */
  ratePerMinute?: number;
  /** Pace model requests by the API's rate-limit headers, shared through Redis (default true). */
  pace?: boolean;
  /** Refill time the shared buckets hold (QC_RATE_LIMIT_BURST). */
  rateBurstMs?: number;
  random?: () => number;
  onGraded?: (r: JobResult) => void;
  /** Replies a job's ticket already has (ProcessorDeps.resume; src/batches/requeued.ts). */
  resume?: ResumeGrade;
}

/**
 * The QC worker: closing it also gives the rate limiter's leased, unused
 * requests back to the shared buckets (issue 13), before the shutdown closes Redis.
 */
export class QcWorker extends Worker {
  limiter: RateLimiter | undefined;

  override async close(force?: boolean): Promise<void> {
    try {
      await super.close(force);
    } finally {
      await this.limiter?.close();
    }
  }
}

/** Warns at start-up when the QC context is too short for the models to cache. */
async function startupCacheCheck(rt: Runtime): Promise<void> {
  const ctx = qcContextOf(await rt.contexts.active());
  for (const model of new Set([rt.settings.baseModel, rt.settings.strongModel])) {
    checkCacheable(ctx, model, rt.prices.get(model).minCacheTokens, rt.logger);
  }
}

export async function startQcWorker(rt: Runtime, opts: QcWorkerOptions): Promise<QcWorker> {
  await startupCacheCheck(rt);
  const monitor = new CacheMonitor(rt.logger);
  // Issue 13: requests, not jobs, are rate-limited — every attempt of every call, in every process.
  const limiter =
    opts.pace === false
      ? undefined
      : new RateLimiter({
          redis: opts.connection,
          prefix: opts.prefix,
          maxRequestsPerMinute: opts.ratePerMinute ?? 0,
          ...(opts.rateBurstMs ? { burstMs: opts.rateBurstMs } : {}),
          logger: rt.logger,
        });
  const llm = limiter ? { ...rt.llm, client: withRateLimiter(rt.llm.client, limiter) } : rt.llm;
  const processor = makeQcProcessor({
    pool: rt.pool,
    llm,
    contexts: rt.contexts,
    settings: rt.settings,
    logger: rt.logger,
    notifier: rt.notifier,
    ...(opts.random ? { random: opts.random } : {}),
    ...(opts.resume ? { resume: opts.resume } : {}),
    onGraded: ({ ctx, result, calls }) => {
      for (const c of calls) {
        if (ctx.prefixTokens >= rt.prices.get(c.model).minCacheTokens)
          monitor.observe(c, ctx.version);
      }
      opts.onGraded?.(result);
    },
  });
  const worker = new QcWorker(QC_QUEUE, deferWhileDatabaseDown(processor, { logger: rt.logger }), {
    connection: opts.connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency,
    // The lock is renewed every lockDuration/2 by a timer while the worker
    // lives, so a 60 s model call needs no 60 s lock (the event loop is free
    // while it waits). A killed worker's job is taken over after about
    // QC_LOCK_DURATION + QC_STALLED_INTERVAL; one stalled twice is failed and
    // the reconciler requeues it (src/qc/reconcile.ts).
    lockDuration: rt.config.QC_LOCK_DURATION,
    stalledInterval: rt.config.QC_STALLED_INTERVAL,
    autorun: true,
  });
  worker.limiter = limiter;
  worker.on('failed', (job, err) => {
    rt.logger.warn(
      { jobId: job?.id, attempt: job?.attemptsMade, err: err.message },
      'qc job failed',
    );
  });
  worker.on('error', (err) => rt.logger.error({ err: toError(err).message }, 'qc worker error'));
  return worker;
}
