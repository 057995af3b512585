import { Queue } from 'bullmq';
import type { Config } from '../config.js';
import { createRedis } from './connection.js';
import { QC_QUEUE } from './jobs.js';

export interface FailedJob {
  id: string;
  ticketId: number | undefined;
  attempts: number;
  failedAt: string;
  reason: string;
}

async function withQueue<T>(config: Config, fn: (q: Queue) => Promise<T>): Promise<T> {
  const connection = createRedis(config.REDIS_URL, 'producer');
  const queue = new Queue(QC_QUEUE, { connection, prefix: config.QUEUE_PREFIX });
  try {
    return await fn(queue);
  } finally {
    await queue.close();
    await connection.quit().catch(() => connection.disconnect());
  }
}

export function failedJobsOf(queue: Queue, limit: number): Promise<FailedJob[]> {
  return queue.getFailed(0, limit - 1).then((jobs) =>
    jobs.map((j) => ({
      id: j.id ?? '?',
      ticketId: (j.data as { ticketId?: number }).ticketId,
      attempts: j.attemptsMade,
      failedAt: j.finishedOn ? new Date(j.finishedOn).toISOString() : '-',
      reason: j.failedReason ?? '(no reason)',
    })),
  );
}

export function listFailed(config: Config, limit: number): Promise<FailedJob[]> {
  return withQueue(config, (q) => failedJobsOf(q, limit));
}

export async function retryFailedIn(queue: Queue, which: 'all' | string): Promise<number> {
  if (which === 'all') {
    const n = await queue.getFailedCount();
    await queue.retryJobs({ state: 'failed', count: 1000 });
    return n;
  }
  const job = await queue.getJob(which);
  if (!job) throw new Error(`no job ${which}`);
  if (!(await job.isFailed())) throw new Error(`job ${which} is not in the failed set`);
  await job.retry('failed');
  return 1;
}

export function retryFailed(config: Config, which: 'all' | string): Promise<number> {
  return withQueue(config, (q) => retryFailedIn(q, which));
}
