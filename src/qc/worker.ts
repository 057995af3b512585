import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { CacheMonitor } from '../llm/cache-monitor.js';
import { toError } from '../logger.js';
import { QC_QUEUE } from '../queue/jobs.js';
import type { Runtime } from '../runtime.js';
import { checkCacheable, qcContextOf } from './context.js';
import { type JobResult, makeQcProcessor } from './processor.js';
import { deferWhileDatabaseDown } from './resilience.js';

export interface QcWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  /** Max jobs per minute across this worker (0 = unlimited). */
  ratePerMinute?: number;
  random?: () => number;
  onGraded?: (r: JobResult) => void;
}

/** Warns at start-up when the QC context is too short for the models to cache. */
export async function startupCacheCheck(rt: Runtime): Promise<void> {
  const ctx = qcContextOf(await rt.contexts.active());
  for (const model of new Set([rt.settings.baseModel, rt.settings.strongModel])) {
    checkCacheable(ctx, model, rt.prices.get(model).minCacheTokens, rt.logger);
  }
}

export async function startQcWorker(rt: Runtime, opts: QcWorkerOptions): Promise<Worker> {
  await startupCacheCheck(rt);
  const monitor = new CacheMonitor(rt.logger);
  const processor = makeQcProcessor({
    pool: rt.pool,
    llm: rt.llm,
    contexts: rt.contexts,
    settings: rt.settings,
    logger: rt.logger,
    notifier: rt.notifier,
    ...(opts.random ? { random: opts.random } : {}),
    onGraded: ({ ctx, result, calls }) => {
      for (const c of calls) {
        if (ctx.prefixTokens >= rt.prices.get(c.model).minCacheTokens)
          monitor.observe(c, ctx.version);
      }
      opts.onGraded?.(result);
    },
  });
  const worker = new Worker(QC_QUEUE, deferWhileDatabaseDown(processor, { logger: rt.logger }), {
    connection: opts.connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency,
    ...(opts.ratePerMinute ? { limiter: { max: opts.ratePerMinute, duration: 60_000 } } : {}),
    // The lock is renewed every lockDuration/2 by a timer while the worker
    // lives, so a 60 s model call needs no 60 s lock (the event loop is free
    // while it waits). A killed worker's job is taken over after about
    // QC_LOCK_DURATION + QC_STALLED_INTERVAL; one stalled twice is failed and
    // the reconciler requeues it (src/qc/reconcile.ts).
    lockDuration: rt.config.QC_LOCK_DURATION,
    stalledInterval: rt.config.QC_STALLED_INTERVAL,
    autorun: true,
  });
  worker.on('failed', (job, err) => {
    rt.logger.warn(
      { jobId: job?.id, attempt: job?.attemptsMade, err: err.message },
      'qc job failed',
    );
  });
  worker.on('error', (err) => rt.logger.error({ err: toError(err).message }, 'qc worker error'));
  return worker;
}
