import { Queue, Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { toError } from '../logger.js';
import { quietQueue } from '../queue/connection.js';
import { QC_QUEUE } from '../queue/jobs.js';
import type { Runtime } from '../runtime.js';
import { batchDepsOf } from './deps.js';
import { pollBatches, runBatch } from './run.js';

export const BATCH_QUEUE = 'batch';
const NIGHTLY_SCHEDULER = 'batch-nightly';
const POLL_SCHEDULER = 'batch-poll';
export const PATTERNS_SCHEDULER = 'patterns-mine';

/**
 * Issue 11 point 6: the scheduled `patterns mine`, handed in by the process
 * (workers/qc-worker.ts) — mining is supervision, this queue only runs it.
 * `run` starts a run (submitting its batch without waiting); `collect` takes
 * a submitted run further on every poll tick.
 */
export interface PatternsJob {
  /** QC_PATTERNS_CRON; undefined = off (any earlier schedule is removed). */
  cron: string | undefined;
  run(): Promise<unknown>;
  collect(): Promise<unknown>;
}

export interface BatchScheduler {
  queue: Queue;
  worker: Worker;
  /** Idempotent: stops taking batch jobs, lets the one in flight finish. */
  close(): Promise<void>;
}

/**
 * Registers the nightly run (cron QC_NIGHTLY_CRON in QC_TZ) and the poller
 * (every QC_BATCH_POLL_INTERVAL) with upsertJobScheduler, and starts a worker
 * for both on the `batch` queue. Upserting under fixed ids is idempotent, so
 * every worker process can call this at start: one schedule, one job per tick.
 */
export async function startBatchScheduler(
  rt: Runtime,
  opts: { connection: Redis | Cluster; prefix: string; patterns?: PatternsJob | undefined },
): Promise<BatchScheduler> {
  const { config, logger } = rt;
  const queue = quietQueue(
    new Queue(BATCH_QUEUE, { connection: opts.connection, prefix: opts.prefix }),
  );
  await queue.upsertJobScheduler(
    NIGHTLY_SCHEDULER,
    { pattern: config.QC_NIGHTLY_CRON, tz: config.QC_TZ },
    {
      name: 'nightly',
      data: {},
      // Busy lock or PostgreSQL down at 2 a.m.: try again a few minutes later.
      opts: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 60_000 },
        removeOnComplete: { count: 30 },
        removeOnFail: { count: 30 },
      },
    },
  );
  await queue.upsertJobScheduler(
    POLL_SCHEDULER,
    { every: config.QC_BATCH_POLL_INTERVAL },
    // The next poll is the retry.
    {
      name: 'poll',
      data: {},
      opts: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 20 } },
    },
  );

  const patterns = opts.patterns;
  if (patterns?.cron) {
    await queue.upsertJobScheduler(
      PATTERNS_SCHEDULER,
      { pattern: patterns.cron, tz: config.QC_TZ },
      {
        name: 'patterns',
        data: {},
        opts: {
          attempts: 3,
          backoff: { type: 'exponential', delay: 60_000 },
          removeOnComplete: { count: 30 },
          removeOnFail: { count: 30 },
        },
      },
    );
  } else {
    // Off by default; turning it off removes a schedule an earlier start registered.
    await queue.removeJobScheduler(PATTERNS_SCHEDULER);
  }

  const qcQueue = quietQueue(
    new Queue(QC_QUEUE, { connection: opts.connection, prefix: opts.prefix }),
  );
  const deps = batchDepsOf(rt, { qcQueue });
  const worker = new Worker(
    BATCH_QUEUE,
    async (job) => {
      if (job.name === 'nightly') {
        const r = await runBatch(deps, { via: 'batches', trigger: 'schedule' });
        if (r.busy) throw new Error('another batch pass holds the lock; retrying later');
        logger.info(
          { runId: r.run?.id, mapped: r.mapped, resumed: r.resumed },
          'nightly batch run submitted',
        );
        return { runId: r.run?.id, mapped: r.mapped };
      }
      if (job.name === 'patterns') {
        if (!patterns) throw new Error('this process does not run pattern mining');
        return patterns.run();
      }
      if (patterns) {
        try {
          await patterns.collect();
        } catch (err) {
          logger.error(
            { err: toError(err).message },
            'patterns: collecting the mining batch failed',
          );
        }
      }
      const t = await pollBatches(deps);
      if (t && (t.submitted || t.ended || t.graded || t.requeued || t.errors.length)) {
        logger.info({ ...t }, 'batch poll');
      }
      return t ? { inFlight: t.inFlight, graded: t.graded } : { busy: true };
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: 1,
      // Planning and uploading a large run takes minutes; BullMQ renews the lock meanwhile.
      lockDuration: 5 * 60_000,
    },
  );
  worker.on('error', (err) => logger.error({ err: toError(err).message }, 'batch worker error'));
  worker.on('failed', (job, err) =>
    logger.warn({ jobId: job?.id, name: job?.name, err: err.message }, 'batch job failed'),
  );

  let closing: Promise<void> | undefined;
  return {
    queue,
    worker,
    close() {
      closing ??= (async () => {
        await worker.close();
        await qcQueue.close();
        await queue.close();
      })();
      return closing;
    },
  };
}
