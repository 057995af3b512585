import { DelayedError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/errors.js';
import { toError } from '../logger.js';

/**
 * A job that fails because PostgreSQL is unreachable (restarting, failing
 * over, a terminated connection) is not a bad job: it is put back, delayed a
 * few seconds, without using one of its attempts. Grading therefore resumes
 * on its own within seconds of PostgreSQL returning, however long it was away
 * — instead of every job in flight burning its attempts and ending in the
 * failed set. Calls already paid for are recorded by their attempt rows
 * (src/llm/attempts.ts) once the database is back.
 */
export type JobHandler<R> = (job: Job, token?: string, signal?: AbortSignal) => Promise<R>;

export function deferWhileDatabaseDown<R>(
  handler: JobHandler<R>,
  opts: { logger: Logger; delayMs?: number; random?: () => number },
): JobHandler<R> {
  const random = opts.random ?? Math.random;
  return async (job, token, signal) => {
    try {
      return await handler(job, token, signal);
    } catch (raw) {
      if (!token || !isDatabaseUnavailable(raw)) throw raw;
      // Spread the returns so a fleet does not hit a recovering server at once.
      const delay = Math.round((opts.delayMs ?? 2_000) * (1 + random()));
      opts.logger.warn(
        { jobId: job.id, err: toError(raw).message, retryInMs: delay },
        'postgres unavailable: job put back without using an attempt',
      );
      await job.moveToDelayed(Date.now() + delay, token);
      throw new DelayedError();
    }
  };
}
