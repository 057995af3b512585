import { type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import { versionForJobId } from '../db/qc-jobs.js';
import { QcJobData } from '../queue/jobs.js';

/**
 * A job whose payload is missing or invalid — Redis evicted its hash, and
 * BullMQ recreated it with bookkeeping fields only — is not a bad ticket. Its
 * id names the version (src/db/qc-jobs.ts): the payload is rebuilt from
 * PostgreSQL and the job runs. When no waiting version matches (the context
 * changed since, or the version is graded or superseded), the job is failed
 * with a reason starting LOST_PAYLOAD, which the reconciler treats as dead:
 * it removes the job and schedules the version afresh if it still waits.
 */
export const LOST_PAYLOAD = 'payload lost';

/** Failed-job reasons the reconciler requeues rather than leaves for a person. */
export function isDeadJobReason(reason: string | undefined): boolean {
  return (
    !!reason &&
    (reason.startsWith(LOST_PAYLOAD) ||
      /invalid qc job payload/.test(reason) ||
      /stalled more than allowable limit/.test(reason))
  );
}

export async function rebuildPayload(
  pool: Pool,
  jobId: string | undefined,
  contextVersion: string,
): Promise<QcJobData | undefined> {
  if (!jobId) return undefined;
  const v = await versionForJobId(pool, jobId, contextVersion);
  return v
    ? QcJobData.parse({
        ticketId: v.ticketId,
        contentHash: v.contentHash,
        contextVersion,
        via: 'queue',
      })
    : undefined;
}

/** For the processor: the job's payload, rebuilt from PostgreSQL when Redis lost it. */
export async function payloadOrRebuild(
  deps: { pool: Pool; logger: Logger; activeContextVersion: () => Promise<string> },
  job: Job,
): Promise<QcJobData> {
  const parsed = QcJobData.safeParse(job.data);
  if (parsed.success) return parsed.data;
  const rebuilt = await rebuildPayload(deps.pool, job.id, await deps.activeContextVersion());
  if (!rebuilt) {
    deps.logger.warn(
      { jobId: job.id, event: 'job_payload_lost' },
      'job payload missing or invalid and no waiting ticket version matches its id: failed, the reconciler requeues what still waits',
    );
    throw new UnrecoverableError(
      `${LOST_PAYLOAD}: missing or invalid (${parsed.error.issues[0]?.message ?? 'invalid'}) and no waiting ticket version matches the job id`,
    );
  }
  deps.logger.warn(
    { jobId: job.id, ticketId: rebuilt.ticketId, event: 'job_payload_rebuilt' },
    'job payload missing or invalid (evicted from Redis?): rebuilt from PostgreSQL',
  );
  // Best effort: the job is graded either way.
  await job.updateData(rebuilt).catch(() => undefined);
  return rebuilt;
}
