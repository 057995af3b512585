import type { Queue } from 'bullmq';
import type { Config } from '../config.js';
import { toError } from '../logger.js';
import { sha256Hex } from '../ticket/hash.js';
import { type CatalogSettings, QcJobData, qcJobId, qcJobOptions } from './jobs.js';

/**
 * When to grade. Tickets change many times a day and grading every change
 * would multiply the cost, so a ticket is graded when it reaches a grading
 * status (QC_GRADE_ON_STATUS), after QC_DEBOUNCE of quiet, and only in its
 * latest version.
 *
 * The debounce is BullMQ deduplication keyed per *ticket* (the job id stays
 * per *version*: `qcJobId(contentHash, contextVersion)`): `replace` swaps a
 * waiting delayed job for the newer version and restarts its delay;
 * `keepLastIfActive` keeps the newest version to run after one being graded
 * right now. Exactly-once grading still rests on PostgreSQL's UNIQUE
 * constraint on results, not on any of this.
 */

export interface ScheduleSettings {
  gradeOn: readonly string[];
  debounceMs: number;
  catalog: CatalogSettings;
}

export function scheduleSettingsOf(config: Config): ScheduleSettings {
  return {
    gradeOn: config.QC_GRADE_ON_STATUS,
    debounceMs: config.QC_DEBOUNCE,
    catalog: { attempts: config.QC_JOB_ATTEMPTS, failedRetentionMs: config.QC_FAILED_RETENTION },
  };
}

export function isGradingStatus(settings: ScheduleSettings, status: string): boolean {
  return settings.gradeOn.includes(status.toLowerCase());
}

export interface TicketKey {
  source: string;
  externalId: string;
}

/** The per-ticket debounce key (hex: safe in any Redis key). */
function debounceId(t: TicketKey): string {
  return `ticket-${sha256Hex(`${t.source}\n${t.externalId}`).slice(0, 40)}`;
}

export type ScheduleOutcome = 'added' | 'after_active';

const PENDING = new Set(['waiting', 'prioritized', 'delayed', 'waiting-children']);

/** One grade to schedule: the job's payload and the ticket it debounces on. */
export interface GradeRequest {
  data: QcJobData;
  key: TicketKey;
  /** Defaults to the debounce; the reconciler passes what is left of it. */
  delayMs?: number;
}

function jobOf(req: GradeRequest, settings: ScheduleSettings) {
  const payload = QcJobData.parse(req.data);
  const jobId = qcJobId(payload.contentHash, payload.contextVersion);
  const dedup = debounceId(req.key);
  const delay = Math.max(0, Math.round(req.delayMs ?? settings.debounceMs));
  return {
    jobId,
    dedup,
    job: {
      name: 'grade',
      data: payload,
      opts: {
        ...qcJobOptions(settings.catalog),
        jobId,
        ...(delay > 0 ? { delay } : {}),
        deduplication: { id: dedup, replace: true, keepLastIfActive: true },
      },
    },
  };
}

/**
 * Adds (or replaces) the pending grade of each ticket with this version,
 * for many versions of distinct tickets: one pipelined
 * round trip to Redis (`addBulk`) for the lot; a version whose ticket key is
 * held by another job settles on its own. Each result is the version's
 * outcome or why it could not be scheduled (the caller leaves it to the
 * reconciler); one failure — an invalid payload (zod's error), a script
 * error, Redis's own error — does not fail the others.
 */
export async function scheduleGrades(
  queue: Queue,
  reqs: readonly GradeRequest[],
  settings: ScheduleSettings,
): Promise<({ jobId: string; outcome: ScheduleOutcome } | { error: Error })[]> {
  if (reqs.length === 0) return [];
  // A request whose payload is invalid (a stored row no job can carry) fails alone.
  const jobs = reqs.map((r) => {
    try {
      return jobOf(r, settings);
    } catch (err) {
      return { error: toError(err) };
    }
  });
  const valid = jobs.filter((j): j is ReturnType<typeof jobOf> => !('error' in j));
  let added: (string | Error | undefined)[];
  try {
    added = (await queue.addBulk(valid.map((j) => j.job))).map((job) => job.id);
  } catch {
    // A script failed for one of them (the pipeline reports only the first
    // error): each is added again on its own — an add that did go through
    // answers with its own id, one that fails with its own error.
    added = await Promise.all(
      valid.map((j) =>
        queue.add(j.job.name, j.job.data, j.job.opts).then(
          (job) => job.id,
          (err: unknown) => toError(err),
        ),
      ),
    );
  }
  const firstIds = new Map(valid.map((j, i) => [j, added[i]]));
  return Promise.all(
    jobs.map(async (j) => {
      if ('error' in j) return j;
      const first = firstIds.get(j);
      if (first instanceof Error) return { error: first };
      return settle(queue, j, first).catch((err: unknown) => ({ error: toError(err) }));
    }),
  );
}

/** After an add: done, or the ticket's key is held by another job — resolve that and add again. */
async function settle(
  queue: Queue,
  j: ReturnType<typeof jobOf>,
  firstId: string | undefined,
): Promise<{ jobId: string; outcome: ScheduleOutcome }> {
  const { jobId, dedup } = j;
  let holder = firstId;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) holder = (await queue.add(j.job.name, j.job.data, j.job.opts)).id;
    if (holder === jobId) return { jobId, outcome: 'added' };
    // Another version holds the ticket's key and `replace` could not swap it.
    if (!holder) break;
    const state = await queue.getJobState(holder);
    if (state === 'active') return { jobId, outcome: 'after_active' };
    if (PENDING.has(state)) {
      // Waiting but not yet picked up (delay over, or no debounce): the older version goes.
      await queue.remove(holder);
    } else {
      // Finished or vanished but the key lingers (e.g. trimmed): clear it.
      await queue.removeDeduplicationKey(dedup);
    }
  }
  throw new Error(`could not schedule ${jobId}: the ticket's debounce key stays taken`);
}

/**
 * Issue 10: a job whose hash is in Redis while its id is in no list (an
 * evicting Redis dropped the wait list, the delayed set or the active list,
 * the hash survived). No worker will ever take it, and adding the same job id
 * again is a no-op (BullMQ answers "duplicated"), so the version would wait
 * forever. Called for a job whose state is 'unknown': removes such an orphan
 * so it can be scheduled again. 'absent': no hash, nothing to do; 'removed';
 * 'locked': a worker still holds it (its active list was evicted) — leave it,
 * the next pass looks again once the lock lapses.
 */
export async function removeOrphanedJob(
  queue: Queue,
  jobId: string,
): Promise<'absent' | 'removed' | 'locked'> {
  const job = await queue.getJob(jobId);
  if (!job) return 'absent';
  if ((await queue.getJobState(jobId)) !== 'unknown') return 'locked';
  return (await queue.remove(jobId)) === 1 ? 'removed' : 'locked';
}

/** A newer version left the grading status: drop its pending grade, if it has not started. */
export async function cancelPendingGrade(queue: Queue, key: TicketKey): Promise<boolean> {
  const holder = await queue.getDeduplicationJobId(debounceId(key));
  if (!holder) return false;
  const state = await queue.getJobState(holder);
  if (!PENDING.has(state)) return false;
  return (await queue.remove(holder)) === 1;
}

/** Bounds a Redis call: a hung Redis must not hold a webhook's 202 hostage. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
