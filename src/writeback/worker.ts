import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { getOutbox, setOutboxStatus } from '../db/outbox.js';
import { toError } from '../logger.js';
import { WRITEBACK_QUEUE, WritebackJobData } from '../queue/jobs.js';
import { type DeliverDeps, deliverOutbox } from './deliver.js';
import { VendorError } from './http.js';
import { sourcePause, takeRateSlot } from './rate.js';

/**
 * The `writeback` queue's worker. Errors decide retries:
 * - 429 (or 503) with Retry-After: the whole source pauses that long (capped),
 *   and this job waits it out without spending an attempt;
 * - other 5xx, timeouts, network errors: BullMQ's exponential backoff;
 * - any other 4xx: final. The row goes to the failed list with the vendor's
 *   answer (`ticket-qc writeback status`), the job fails unrecoverably.
 * Before each delivery the source's rate limit (per minute, across workers)
 * is taken from Redis; over it, the job waits for the next window.
 */

export interface WritebackWorkerOptions {
  connection: Redis | Cluster;
  prefix: string;
  concurrency?: number;
}

export function startWritebackWorker(deps: DeliverDeps, opts: WritebackWorkerOptions): Worker {
  const s = deps.settings;
  const redis = opts.connection;
  const keyPrefix = `${opts.prefix}:writeback`;
  const processor = async (job: Job, token?: string) => {
    const { outboxId } = WritebackJobData.parse(job.data);
    const log = deps.logger.child({
      queue: WRITEBACK_QUEUE,
      jobId: job.id,
      attempt: job.attemptsMade + 1,
    });
    const source = (await getOutbox(deps.pool, outboxId))?.source;
    const wait = async (ms: number, why: string) => {
      log.info({ outboxId, source, waitMs: ms }, why);
      await job.moveToDelayed(Date.now() + ms, token);
      throw new DelayedError();
    };
    if (source) {
      const paused = await sourcePause(redis, keyPrefix, source);
      if (paused > 0) return wait(paused, 'source paused by the vendor (Retry-After): waiting');
      const slot = await takeRateSlot(redis, keyPrefix, source, s.ratePerMinute);
      if (slot > 0) return wait(slot, 'per-source rate limit reached: waiting for the next window');
    }
    try {
      return await deliverOutbox({ ...deps, logger: log }, outboxId);
    } catch (err) {
      if (!(err instanceof VendorError)) throw err;
      const answer = {
        vendorStatus: err.status ?? null,
        vendorAnswer: err.answer || null,
        reason: err.message,
      };
      if (!err.retryable) {
        await setOutboxStatus(deps.pool, outboxId, 'failed', answer);
        log.warn({ outboxId, ...answer }, 'help desk refused the write: on the failed list');
        throw new UnrecoverableError(`${err.message}: ${err.answer.slice(0, 300)}`);
      }
      if (err.retryAfterMs !== undefined && source) {
        const ms = Math.min(Math.max(err.retryAfterMs, 1), s.maxRetryAfterMs);
        if (ms < err.retryAfterMs)
          log.warn({ retryAfterMs: err.retryAfterMs, cappedMs: ms }, 'Retry-After capped');
        await redis.set(`${keyPrefix}:pause:${source}`, '1', 'PX', ms);
        await setOutboxStatus(deps.pool, outboxId, 'sending', answer);
        return wait(ms, 'help desk asked us to wait (Retry-After)');
      }
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await setOutboxStatus(deps.pool, outboxId, 'failed', answer);
      else await setOutboxStatus(deps.pool, outboxId, 'sending', answer);
      throw err;
    }
  };
  const worker = new Worker(WRITEBACK_QUEUE, processor, {
    connection: opts.connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency ?? 4,
    autorun: true,
  });
  worker.on('failed', (job, err) => {
    deps.logger.warn(
      { jobId: job?.id, attempt: job?.attemptsMade, err: err.message },
      'writeback job failed',
    );
  });
  worker.on('error', (err) =>
    deps.logger.error({ err: toError(err).message }, 'writeback worker error'),
  );
  return worker;
}
