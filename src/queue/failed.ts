import type { Job, Queue } from 'bullmq';
import { QcJobData } from './jobs.js';

export interface FailedJob {
  id: string;
  ticketId: number | undefined;
  attempts: number;
  failedAt: string;
  reason: string;
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

/** What `failed retry` did. */
export interface RetryOutcome {
  /** Jobs put back to run. */
  requeued: number;
  /** Of those, jobs whose payload was missing or invalid and was re-derived from PostgreSQL. */
  rebuilt: number;
  /** Jobs with a lost payload and no waiting version to rebuild it from: removed (the reconciler schedules what still waits). */
  removed: number;
}

/** Re-derives a lost payload from PostgreSQL by the job id (src/qc/lost-payload.ts). */
export type RebuildPayload = (jobId: string) => Promise<QcJobData | undefined>;

/**
 * Requeues failed jobs. A job whose payload is missing or invalid (Redis
 * evicted it) would only fail again: its payload is re-derived from
 * PostgreSQL first, or, when no waiting version matches, the job is removed.
 */
export async function retryFailedIn(
  queue: Queue,
  which: 'all' | string,
  rebuild?: RebuildPayload,
): Promise<RetryOutcome> {
  const out: RetryOutcome = { requeued: 0, rebuilt: 0, removed: 0 };
  const retryOne = async (job: Job) => {
    if (!QcJobData.safeParse(job.data).success && rebuild && job.id) {
      const data = await rebuild(job.id);
      if (!data) {
        await job.remove();
        out.removed++;
        return;
      }
      await job.updateData(data);
      out.rebuilt++;
    }
    await job.retry('failed');
    out.requeued++;
  };
  if (which === 'all') {
    // Pages from the start: each retried or removed job leaves the failed set.
    for (;;) {
      const jobs = (await queue.getFailed(0, 199)).filter((j): j is Job => !!j);
      if (jobs.length === 0) break;
      for (const job of jobs) await retryOne(job);
    }
    return out;
  }
  const job = await queue.getJob(which);
  if (!job) throw new Error(`no job ${which}`);
  if (!(await job.isFailed())) throw new Error(`job ${which} is not in the failed set`);
  await retryOne(job);
  return out;
}
