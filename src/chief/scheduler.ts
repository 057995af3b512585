import { type Job, Queue, Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { toError } from '../logger.js';
import { quietQueue } from '../queue/connection.js';
import { type ChiefDeps, type PassResult, runChiefPass } from './pass.js';

/**
 * The chief runs as a BullMQ job scheduler (`upsertJobScheduler`, every
 * QC_CHIEF_INTERVAL; the first pass runs at once). Upserting is idempotent,
 * so every chief process can declare it at start and there is still one
 * schedule; a changed interval replaces the old one. Concurrency 1, and the
 * pass itself takes a PostgreSQL advisory lock, so two chiefs never propose
 * for the same failures.
 */

export const CHIEF_QUEUE = 'chief';
const CHIEF_SCHEDULER_ID = 'chief-pass';

export interface ChiefScheduler {
  queue: Queue;
  worker: Worker;
  close(): Promise<void>;
}

export async function startChiefScheduler(
  deps: ChiefDeps,
  opts: {
    producer: Redis | Cluster;
    connection: Redis | Cluster;
    prefix: string;
    intervalMs: number;
    onPass?: (r: PassResult) => void;
  },
): Promise<ChiefScheduler> {
  const queue = quietQueue(
    new Queue(CHIEF_QUEUE, { connection: opts.producer, prefix: opts.prefix }),
  );
  await queue.upsertJobScheduler(
    CHIEF_SCHEDULER_ID,
    { every: opts.intervalMs },
    {
      name: 'pass',
      data: {},
      opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 }, attempts: 1 },
    },
  );
  const worker = new Worker(
    CHIEF_QUEUE,
    async (_job: Job, _token?: string, signal?: AbortSignal) => {
      const r = await runChiefPass(deps, signal);
      opts.onPass?.(r);
      return r;
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: 1,
      // A pass with backtests makes many model calls: do not mistake it for a stalled job.
      lockDuration: 10 * 60_000,
    },
  );
  worker.on('failed', (job, err) =>
    deps.logger.error({ jobId: job?.id, err: err.message }, 'chief pass failed'),
  );
  worker.on('error', (err) =>
    deps.logger.error({ err: toError(err).message }, 'chief worker error'),
  );
  return {
    queue,
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
