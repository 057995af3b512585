import type { Queue } from 'bullmq';
import { type CatalogSettings, QcJobData, qcJobId, qcJobOptions } from './jobs.js';

export interface EnqueueOptions {
  delayMs?: number;
  priority?: number;
}

/**
 * Adds a QC job whose id derives from the ticket version and the context
 * version, so adding the same version twice adds one job. Exactly-once
 * grading does not rest on this (trimmed ids can be reused): the UNIQUE
 * constraint on qc_results does.
 */
export async function enqueueQc(
  queue: Queue,
  data: QcJobData,
  settings: CatalogSettings,
  opts: EnqueueOptions = {},
): Promise<string> {
  const payload = QcJobData.parse(data);
  const jobId = qcJobId(payload.contentHash, payload.contextVersion);
  await queue.add('grade', payload, {
    ...qcJobOptions(settings),
    jobId,
    ...(opts.delayMs ? { delay: opts.delayMs } : {}),
    ...(opts.priority ? { priority: opts.priority } : {}),
  });
  return jobId;
}
