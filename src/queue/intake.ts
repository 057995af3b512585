import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { LOCKS, withAdvisoryLockWait } from '../db/locks.js';
import type { Pool, PoolClient } from '../db/pool.js';
import { endThreadWaits, holdForThread } from '../db/threads.js';
import { latestVersion, markWaiting, seenDelivery, storeVersion } from '../db/versions.js';
import { toError } from '../logger.js';
import type { Ticket } from '../ticket/schema.js';
import {
  cancelPendingGrade,
  isGradingStatus,
  type ScheduleSettings,
  scheduleGrade,
  withTimeout,
} from './schedule.js';

/**
 * Store, then queue. The ticket is committed to PostgreSQL before anything is
 * acknowledged; queueing is best-effort and bounded in time. When Redis is
 * down the version waits in PostgreSQL (qc_status 'stored') and the
 * reconciler queues it once Redis is back.
 *
 * Most deliveries carry the whole ticket (`ingestTicket`). Some carry a change
 * to it — a Jira comment event — and their version is built from the latest
 * stored one (`ingestDerived`), read under the same per-ticket lock so two
 * changes arriving together cannot both build on the same version and lose
 * one. From there on both take the same path.
 */

/** The counters intake moves; the API's Prometheus metrics satisfy it. */
export interface IntakeMetrics {
  enqueued: { inc(labels: { via: 'webhook' }): void };
  enqueueDeferred: { inc(): void };
}

export interface IngestDeps {
  pool: Pool;
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

interface VersionDelivery {
  ticket: Ticket;
  deliveryId?: string | undefined;
  bodySha256: string;
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

export async function ingestTicket(
  deps: IngestDeps,
  input: VersionDelivery,
): Promise<IngestOutcome> {
  const contextVersion = await deps.contextVersion();
  const { source, externalId } = input.ticket;
  return withAdvisoryLockWait(deps.pool, LOCKS.ticket(source, externalId), (client) =>
    storeAndSchedule(deps, client, input, contextVersion),
  );
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
    return storeAndSchedule(
      deps,
      client,
      { ticket, deliveryId, bodySha256: input.bodySha256 },
      contextVersion,
    );
  });
}

/** Under the ticket's lock: store the version, then schedule (or cancel) its grade. */
async function storeAndSchedule(
  deps: IngestDeps,
  client: PoolClient,
  input: VersionDelivery,
  contextVersion: string,
): Promise<IngestOutcome> {
  const { ticket } = input;
  const grading = isGradingStatus(deps.settings, ticket.status);
  const timeoutMs = deps.redisTimeoutMs ?? 2_000;
  const key = { source: ticket.source, externalId: ticket.externalId };
  const v = await storeVersion(client, { ...input, contextVersion, skip: !grading });
  const out = (g: Grading): IngestOutcome => ({
    ticketId: v.ticketId,
    version: v.contentHash,
    newVersion: v.newVersion,
    grading: g,
  });
  if (v.duplicateDelivery) return out('duplicate_delivery');
  if (!v.latest) return out('superseded');
  if (v.graded) return out('already_graded');
  // The latest version decides. Still without its thread, it takes over the
  // wait — held first, so it inherits the first wait's start and a stream of
  // thread-less updates cannot postpone the timeout — then older waits end.
  const holding = grading && threadMissing(ticket);
  if (holding) await holdForThread(client, v.ticketId);
  await endThreadWaits(client, ticket.source, ticket.externalId, v.ticketId);
  if (holding) {
    if (deps.queue)
      await withTimeout(
        cancelPendingGrade(deps.queue, key),
        timeoutMs,
        'cancel pending grade',
      ).catch(() => undefined);
    return out('needs_thread');
  }
  // Committed: from here on nothing may turn the answer into an error.
  if (!deps.queue) {
    if (grading) await markWaiting(client, v.ticketId).catch(() => undefined);
    return out('waiting_for_queue');
  }
  if (!grading) {
    await withTimeout(cancelPendingGrade(deps.queue, key), timeoutMs, 'cancel pending grade').catch(
      (err) =>
        deps.logger.warn(
          { ticketId: v.ticketId, err: toError(err).message },
          'could not cancel the pending grade of an earlier version',
        ),
    );
    return out('not_a_grading_status');
  }
  try {
    const r = await withTimeout(
      scheduleGrade(
        deps.queue,
        { ticketId: v.ticketId, contentHash: v.contentHash, contextVersion, via: 'realtime' },
        key,
        deps.settings,
      ),
      timeoutMs,
      'enqueue',
    );
    deps.metrics.enqueued.inc({ via: 'webhook' });
    return out(r.outcome === 'after_active' ? 'scheduled_after_current' : 'scheduled');
  } catch (err) {
    deps.metrics.enqueueDeferred.inc();
    await markWaiting(client, v.ticketId).catch(() => undefined);
    deps.logger.warn(
      { ticketId: v.ticketId, err: toError(err).message },
      'queue unavailable: the ticket is stored and the reconciler will queue it',
    );
    return out('waiting_for_queue');
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
