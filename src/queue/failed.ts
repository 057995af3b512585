import type { Queue } from 'bullmq';

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
