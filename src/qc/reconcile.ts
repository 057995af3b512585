import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { ContextStore } from '../context/store.js';
import { pruneAttempts, recordOrphanedAttempts } from '../db/attempts.js';
import { LOCKS, withTryAdvisoryLocks } from '../db/locks.js';
import type { Pool } from '../db/pool.js';
import { type WaitingVersion, waitingIds, waitingVersions } from '../db/tickets.js';
import { markQueued } from '../db/versions.js';
import { toError } from '../logger.js';
import { QcJobData, qcJobId } from '../queue/jobs.js';
import {
  removeOrphanedJob,
  type ScheduleSettings,
  scheduleGrades,
  withTimeout,
} from '../queue/schedule.js';
import { qcContextOf } from './context.js';
import { isDeadJobReason } from './lost-payload.js';

/**
 * The safety net under "nothing is lost": every accepted ticket version that
 * is the latest of its ticket, in a grading status, not yet graded for the
 * active QC context and without a job in Redis gets one. That covers webhooks
 * acknowledged while Redis was down and jobs a Redis restart lost. Several
 * reconcilers may run at once (one per API replica): the per-ticket lock and
 * version-specific job ids make that harmless.
 */

export interface ReconcileDeps {
  pool: Pool;
  queue: Queue;
  contexts: ContextStore;
  settings: ScheduleSettings;
  logger: Logger;
  /** After each pass of `startReconciler`: what it found, or why it failed, and how long it took. */
  onPass?: (pass: ReconcilePass) => void;
  /**
   * Issue 10: each pass also records paid calls whose attempt nobody claimed
   * after this long (QC_ATTEMPT_ORPHAN_AFTER); undefined: not this reconciler's job.
   */
  attemptOrphanAfterMs?: number;
}

/**
 * One pass of `startReconciler`, for metrics: what it did (undefined when it
 * failed before it had a count), why it failed (undefined when it did not),
 * and how long it took. Versions queued before a later step failed still count.
 */
export interface ReconcilePass {
  stats: ReconcileStats | undefined;
  error: Error | undefined;
  seconds: number;
}

export interface ReconcileStats {
  candidates: number;
  enqueued: number;
  live: number;
  busy: number;
  /** Failed jobs that were dead rather than poisoned (payload lost, stalled twice): removed and scheduled again. */
  revived: number;
  /** Job hashes in no queue list (an evicting Redis dropped the list): removed and scheduled again. */
  orphans: number;
  /** Versions Redis refused to schedule while it took others: left stored for the next pass. */
  unscheduled: number;
}

/**
 * A failed job counts as live (a person looks at it with `ticket-qc failed`)
 * unless it failed for a reason that says nothing about the ticket: its
 * payload was lost (Redis evicted it) or its worker died twice while holding
 * it. Such a job is removed so the version can be scheduled again.
 */
async function removeIfDead(queue: Queue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return true;
  const payloadOk = QcJobData.safeParse(job.data).success;
  if (payloadOk && !isDeadJobReason(job.failedReason)) return false;
  await job.remove();
  return true;
}

/** How long a chunk's enqueue may take while it holds the chunk's ticket locks. */
const REDIS_TIMEOUT_MS = 5_000;

/** True when Redis answers a trivial read of the queue within 2 s. */
async function redisAnswers(queue: Queue): Promise<boolean> {
  return withTimeout(queue.isPaused(), 2_000, 'redis check').then(
    () => true,
    () => false,
  );
}

/** Job states asked for in one round trip to Redis. */
export const STATE_CHUNK = 64;

export async function reconcileOnce(
  deps: ReconcileDeps,
  opts: { batch?: number } = {},
): Promise<ReconcileStats> {
  const stats: ReconcileStats = {
    candidates: 0,
    enqueued: 0,
    live: 0,
    busy: 0,
    revived: 0,
    orphans: 0,
    unscheduled: 0,
  };
  const contextVersion = qcContextOf(await deps.contexts.active()).version;
  const batch = opts.batch ?? 500;
  const q = { gradeOn: deps.settings.gradeOn, contextVersion };
  const ids = await waitingIds(deps.pool, q);
  for (let from = 0; from < ids.length; from += batch) {
    const rows = await waitingVersions(deps.pool, ids.slice(from, from + batch), q);
    // The page's job states are asked for together, STATE_CHUNK at a time (one round
    // trip each, not one per version): most waiting versions have a live job, and a
    // pass over a backlog of many thousands would otherwise take as many round trips
    // in a row. The chunk bounds how much the pass puts ahead of webhook enqueues on
    // the shared producer connection. A state read a moment early is safe: what is
    // scheduled below is re-checked under the ticket's lock, and a job id already in
    // Redis is not added twice.
    const jobIdOf = (t: WaitingVersion) => qcJobId(t.content_hash, contextVersion);
    const states: Awaited<ReturnType<Queue['getJobState']>>[] = [];
    for (let i = 0; i < rows.length; i += STATE_CHUNK) {
      const chunk = rows.slice(i, i + STATE_CHUNK);
      states.push(...(await Promise.all(chunk.map((t) => deps.queue.getJobState(jobIdOf(t))))));
    }
    // Versions with no live job: scheduled a chunk at a time (below).
    const unscheduled: WaitingVersion[] = [];
    for (const [i, t] of rows.entries()) {
      stats.candidates++;
      const state = states[i];
      if (state === 'failed' && (await removeIfDead(deps.queue, jobIdOf(t)))) {
        // Dead, not poisoned (payload lost, stalled twice): scheduled afresh below.
        stats.revived++;
        unscheduled.push(t);
      } else if (state !== 'unknown') {
        stats.live++;
      } else {
        unscheduled.push(t);
      }
    }
    for (let i = 0; i < unscheduled.length; i += STATE_CHUNK)
      await scheduleChunk(deps, unscheduled.slice(i, i + STATE_CHUNK), contextVersion, stats);
  }
  return stats;
}

/**
 * Schedules versions that have no live job, a chunk at a time: each is
 * first cleared of an orphaned job hash (an 'unknown' state may leave the
 * hash behind, in no list, and adding the same id again would be a no-op);
 * then, under the tickets' locks (tried together: a ticket ingest is writing
 * right now is left for the next pass, as `busy`), the versions still waiting
 * are re-checked in one statement (ingest may have stored a newer version
 * meanwhile), scheduled in one round trip to Redis and marked queued in one
 * statement, all within REDIS_TIMEOUT_MS (the locks are held meanwhile). A
 * version Redis refuses stays `stored` for the next pass; when none went
 * through and Redis does not answer, the pass fails (Redis is down).
 */
async function scheduleChunk(
  deps: ReconcileDeps,
  chunk: readonly WaitingVersion[],
  contextVersion: string,
  stats: ReconcileStats,
): Promise<void> {
  const orphans = await Promise.all(
    chunk.map((t) => removeOrphanedJob(deps.queue, qcJobId(t.content_hash, contextVersion))),
  );
  const todo = chunk.filter((_, i) => {
    if (orphans[i] === 'locked') {
      // A worker still holds it: live, looked at again next pass.
      stats.live++;
      return false;
    }
    if (orphans[i] === 'removed') stats.orphans++;
    return true;
  });
  if (todo.length === 0) return;
  const outcome = await withTryAdvisoryLocks(
    deps.pool,
    todo.map((t) => LOCKS.ticket(t.source, t.external_id)),
    async (client, held) => {
      stats.busy += todo.length - held.size;
      const mine = todo.filter((_, i) => held.has(i));
      // Re-checked under the locks: ingest may have stored a newer version meanwhile.
      const due = await waitingVersions(
        client,
        mine.map((t) => t.id),
        { gradeOn: deps.settings.gradeOn, contextVersion },
      );
      const now = Date.now();
      // Bounded: the tickets' locks are held meanwhile, and ingest waits for them.
      const results = await withTimeout(
        scheduleGrades(
          deps.queue,
          due.map((t) => ({
            data: { ticketId: t.id, contentHash: t.content_hash, contextVersion, via: 'queue' },
            key: { source: t.source, externalId: t.external_id },
            delayMs: Math.max(0, t.received_ms + deps.settings.debounceMs - now),
          })),
          deps.settings,
        ),
        REDIS_TIMEOUT_MS,
        'reconciler enqueue',
      ).catch((err: unknown) => due.map(() => ({ error: toError(err) })));
      const queued: number[] = [];
      const failures: { ticketId: number; err: Error }[] = [];
      due.forEach((t, i) => {
        const r = results[i];
        if (r && 'error' in r) failures.push({ ticketId: t.id, err: r.error });
        else queued.push(t.id);
      });
      if (queued.length) await markQueued(client, queued);
      stats.enqueued += queued.length;
      return { queued: queued.length, failures };
    },
  );
  const { failures } = outcome;
  const first = failures[0];
  if (!first) return;
  // Nothing of the chunk went through and Redis does not answer: it is down, and
  // the pass fails (retried next interval). A version that fails on its own (an
  // invalid stored row, a debounce key that stays taken) must not stop the pass.
  if (outcome.queued === 0 && !(await redisAnswers(deps.queue))) throw first.err;
  stats.unscheduled += failures.length;
  deps.logger.warn(
    {
      ticketIds: failures.slice(0, 20).map((f) => f.ticketId),
      count: failures.length,
      err: first.err.message,
    },
    'reconciler could not schedule some waiting versions; they stay stored for the next pass',
  );
}

/** Paid calls of processes that died mid-call are recorded (src/db/attempts.ts). */
async function recordOrphans(deps: ReconcileDeps, olderThanMs: number): Promise<void> {
  const o = await recordOrphanedAttempts(deps.pool, olderThanMs);
  if (o.answered + o.estimated > 0)
    deps.logger.warn(
      { event: 'orphaned_llm_calls_recorded', ...o },
      'recorded paid model calls left unrecorded by a process that died (estimated ones are marked estimated)',
    );
  await pruneAttempts(deps.pool);
}

export interface Reconciler {
  /** Runs one pass now (waiting for a pass in progress first). */
  runNow(): Promise<ReconcileStats | undefined>;
  stop(): Promise<void>;
}

/** Runs reconcileOnce now and every `intervalMs`; a failed pass (Redis or PostgreSQL down) is logged and retried next time. */
export function startReconciler(deps: ReconcileDeps, intervalMs: number): Reconciler {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<ReconcileStats | undefined> | undefined;
  let stopped = false;
  /** One pass: reconcile, then record orphaned paid calls; reported to onPass either way. */
  const run = async (): Promise<ReconcileStats | undefined> => {
    const t0 = performance.now();
    let stats: ReconcileStats | undefined;
    let error: Error | undefined;
    try {
      stats = await reconcileOnce(deps);
      if (stats.enqueued) deps.logger.info(stats, 'reconciler queued waiting tickets');
      if (deps.attemptOrphanAfterMs !== undefined)
        await recordOrphans(deps, deps.attemptOrphanAfterMs);
    } catch (err) {
      error = toError(err);
      deps.logger.warn({ err: error.message }, 'reconciler pass failed; retrying next interval');
    }
    deps.onPass?.({ stats, error, seconds: (performance.now() - t0) / 1000 });
    return error ? undefined : stats;
  };
  const pass = (): Promise<ReconcileStats | undefined> => {
    current ??= run().finally(() => {
      current = undefined;
    });
    return current;
  };
  const loop = () => {
    if (stopped) return;
    void pass().finally(() => {
      if (!stopped) timer = setTimeout(loop, intervalMs);
    });
  };
  loop();
  return {
    async runNow() {
      if (current) await current;
      return pass();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
