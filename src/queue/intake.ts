import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { LOCKS, type LockedTransaction, withAdvisoryLockWait } from '../db/locks.js';
import type { Pool, PoolClient } from '../db/pool.js';
import { latestVersion, markWaiting, seenDelivery, storeVersions } from '../db/versions.js';
import { toError } from '../logger.js';
import type { Ticket } from '../ticket/schema.js';
import {
  cancelPendingGrade,
  type GradeRequest,
  isGradingStatus,
  type ScheduleSettings,
  scheduleGrades,
  withTimeout,
} from './schedule.js';

/**
 * Store, then queue. The ticket is committed to PostgreSQL before anything is
 * acknowledged; queueing is best-effort and bounded in time. When Redis is
 * down the version waits in PostgreSQL (qc_status 'stored') and the
 * reconciler queues it once Redis is back.
 *
 * Most deliveries carry the whole ticket: they are written in groups by the
 * intake writer (intake-writer.ts), many per transaction. Some carry a change
 * to it — a Jira comment event — and their version is built from the latest
 * stored one (`ingestDerived`), read under the same per-ticket lock so two
 * changes arriving together cannot both build on the same version and lose
 * one. From there on both take the same path, `storeAndSchedule`.
 */

/** The counters intake moves; the API's Prometheus metrics satisfy it. */
export interface IntakeMetrics {
  enqueued: { inc(labels: { via: 'webhook' }, value?: number): void };
  enqueueDeferred: { inc(value?: number): void };
  intakeGroupRows?: { observe(rows: number): void };
  intakePending?: { set(n: number): void };
}

export interface IngestDeps {
  pool: Pool;
  /**
   * Where the intake writer takes its connections (default `pool`): a
   * pipelined pool (createPool's `pipeline`) sends a group's BEGIN, locks,
   * rows and COMMIT in one round trip. At most two connections are used.
   */
  writerPool?: Pool | undefined;
  /** Undefined in a process without Redis: every version then waits for the reconciler. */
  queue: Queue | undefined;
  settings: ScheduleSettings;
  /** The active QC context version (cached briefly by the caller). */
  contextVersion: () => Promise<string>;
  metrics: IntakeMetrics;
  logger: Logger;
  redisTimeoutMs?: number;
}

/** What happened about grading, in the 202 body. */
export type Grading =
  | 'scheduled'
  | 'scheduled_after_current'
  | 'waiting_for_queue'
  | 'not_a_grading_status'
  | 'superseded'
  | 'already_graded'
  | 'duplicate_delivery'
  /** The conversation is missing: held until a webhook or fetch brings it, or QC_NEEDS_THREAD_TIMEOUT. */
  | 'needs_thread';

/**
 * The thread is missing, not merely partial: the source said it could not
 * provide the whole conversation and provided none of it. Grading such a
 * ticket can only end in `cannot_judge`, so it waits for its thread instead.
 */
function threadMissing(t: Ticket): boolean {
  return t.threadIncomplete && t.comments.length === 0;
}

export interface IngestOutcome {
  ticketId: number;
  version: string;
  newVersion: boolean;
  grading: Grading;
}

export interface VersionDelivery {
  ticket: Ticket;
  deliveryId?: string | undefined;
  bodySha256: string;
  /** The HTTP request's id, for the log line of its group. */
  reqId?: string | undefined;
}

/** A delivery that changes a stored ticket: why nothing was stored, when nothing was. */
export interface Ignored {
  ignored: string;
}

export interface DerivedDelivery {
  source: string;
  externalId: string;
  /**
   * The new version, built from the latest stored one (undefined when none is
   * stored yet), or why there is none. Runs under the ticket's lock; what it
   * throws (a 400) is answered as is.
   */
  derive(latest: Ticket | undefined): Ticket | Ignored;
  deliveryId?: string | undefined;
  bodySha256: string;
}

export async function ingestDerived(
  deps: IngestDeps,
  input: DerivedDelivery,
): Promise<IngestOutcome | Ignored> {
  const contextVersion = await deps.contextVersion();
  const { source, externalId, deliveryId } = input;
  return withAdvisoryLockWait(deps.pool, LOCKS.ticket(source, externalId), async (client) => {
    // A retry of a change already applied: answered as one, not applied again
    // to whatever the ticket has become since.
    const seen = deliveryId ? await seenDelivery(client, source, deliveryId) : undefined;
    if (seen)
      return {
        ticketId: seen.ticketId,
        version: seen.contentHash,
        newVersion: false,
        grading: 'duplicate_delivery',
      };
    const ticket = input.derive(await latestVersion(client, source, externalId));
    if ('ignored' in ticket) return ticket;
    if (ticket.source !== source || ticket.externalId !== externalId)
      throw new Error(`a change to ${source}/${externalId} built another ticket`);
    const [out] = await storeAndSchedule(
      deps,
      client,
      [{ ticket, deliveryId, bodySha256: input.bodySha256 }],
      contextVersion,
    );
    if (!out) throw new Error('storeAndSchedule answered no outcome');
    return out;
  });
}

/**
 * Under the tickets' locks (distinct tickets, distinct delivery ids): store
 * the versions in one transaction, then schedule (or cancel) their grades in
 * one round trip to Redis. Throws only before the commit; the outcomes come
 * back in the order of `inputs`.
 */
export async function storeAndSchedule(
  deps: IngestDeps,
  client: PoolClient,
  inputs: readonly VersionDelivery[],
  contextVersion: string,
  tx?: LockedTransaction,
): Promise<IngestOutcome[]> {
  const grading = inputs.map((v) => isGradingStatus(deps.settings, v.ticket.status));
  const holding = inputs.map((v, i) => (grading[i] ?? false) && threadMissing(v.ticket));
  const stored = await storeVersions(
    client,
    inputs.map((v, i) => ({ ...v, skip: !grading[i], holdForThread: holding[i] ?? false })),
    contextVersion,
    tx,
  );
  // Committed: from here on nothing may turn an answer into an error.
  const timeoutMs = deps.redisTimeoutMs ?? 2_000;
  const out: IngestOutcome[] = stored.map((v) => ({
    ticketId: v.ticketId,
    version: v.contentHash,
    newVersion: v.newVersion,
    grading: 'superseded',
  }));
  const cancels: { i: number; quiet: boolean }[] = [];
  const grades: { i: number; req: GradeRequest }[] = [];
  const waiting: number[] = [];
  stored.forEach((v, i) => {
    const o = out[i] as IngestOutcome;
    const ticket = (inputs[i] as VersionDelivery).ticket;
    const key = { source: ticket.source, externalId: ticket.externalId };
    if (v.duplicateDelivery) o.grading = 'duplicate_delivery';
    else if (!v.latest) o.grading = 'superseded';
    else if (v.graded) o.grading = 'already_graded';
    else if (holding[i]) {
      o.grading = 'needs_thread';
      cancels.push({ i, quiet: true });
    } else if (!deps.queue) {
      o.grading = 'waiting_for_queue';
      if (grading[i]) waiting.push(v.ticketId);
    } else if (!grading[i]) {
      o.grading = 'not_a_grading_status';
      cancels.push({ i, quiet: false });
    } else {
      o.grading = 'scheduled';
      grades.push({
        i,
        req: {
          data: {
            ticketId: v.ticketId,
            contentHash: v.contentHash,
            contextVersion,
            via: 'realtime',
          },
          key,
        },
      });
    }
  });
  const queue = deps.queue;
  if (queue) {
    await Promise.all([
      ...cancels.map(({ i, quiet }) => {
        const t = (inputs[i] as VersionDelivery).ticket;
        return withTimeout(
          cancelPendingGrade(queue, { source: t.source, externalId: t.externalId }),
          timeoutMs,
          'cancel pending grade',
        ).catch((err: unknown) => {
          if (!quiet)
            deps.logger.warn(
              { ticketId: out[i]?.ticketId, err: toError(err).message },
              'could not cancel the pending grade of an earlier version',
            );
        });
      }),
      schedule(deps, queue, grades, out, waiting, timeoutMs),
    ]);
  }
  if (waiting.length) await markWaiting(client, waiting).catch(() => undefined);
  return out;
}

/** Schedules the grades in one round trip; what Redis refuses waits for the reconciler. */
async function schedule(
  deps: IngestDeps,
  queue: Queue,
  grades: readonly { i: number; req: GradeRequest }[],
  out: IngestOutcome[],
  waiting: number[],
  timeoutMs: number,
): Promise<void> {
  if (grades.length === 0) return;
  const results = await withTimeout(
    scheduleGrades(
      queue,
      grades.map((g) => g.req),
      deps.settings,
    ),
    timeoutMs,
    'enqueue',
  ).catch((err: unknown) => grades.map(() => ({ error: toError(err) })));
  let enqueued = 0;
  const deferred: number[] = [];
  let reason = '';
  results.forEach((r, k) => {
    const { i } = grades[k] as { i: number };
    const o = out[i] as IngestOutcome;
    if ('error' in r) {
      o.grading = 'waiting_for_queue';
      waiting.push(o.ticketId);
      deferred.push(o.ticketId);
      reason = r.error.message;
    } else {
      enqueued++;
      if (r.outcome === 'after_active') o.grading = 'scheduled_after_current';
    }
  });
  if (enqueued) deps.metrics.enqueued.inc({ via: 'webhook' }, enqueued);
  if (deferred.length) {
    deps.metrics.enqueueDeferred.inc(deferred.length);
    deps.logger.warn(
      { ticketIds: deferred.slice(0, 20), count: deferred.length, err: reason },
      'queue unavailable: the tickets are stored and the reconciler will queue them',
    );
  }
}

/**
 * The active context version, re-read at most every `ttlMs`. Webhooks are
 * the hot path; a version a few seconds stale only changes the job id — the
 * worker grades with whatever context is active when it runs.
 */
export function cachedContextVersion(
  read: () => Promise<string>,
  ttlMs = 5_000,
): () => Promise<string> {
  let value: string | undefined;
  let readAt = 0;
  let pending: Promise<string> | undefined;
  return async () => {
    if (value && Date.now() - readAt < ttlMs) return value;
    pending ??= read().then(
      (v) => {
        value = v;
        readAt = Date.now();
        pending = undefined;
        return v;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}
