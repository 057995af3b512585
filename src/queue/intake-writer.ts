import { isDatabaseUnavailable } from '../db/errors.js';
import { LOCKS, withAdvisoryLocks } from '../db/locks.js';
import { createPool, type Pool, type PoolOptions } from '../db/pool.js';
import { deliveryKey } from '../db/versions.js';
import { toError } from '../logger.js';
import {
  type IngestDeps,
  type IngestOutcome,
  storeAndSchedule,
  type VersionDelivery,
} from './intake.js';

/**
 * Webhooks arrive concurrently; writing each in a transaction of its own
 * costs PostgreSQL and node a round trip per statement per webhook. The
 * writer groups them instead, with no timer: whatever arrived while the
 * previous group was being written is the next group (at most `maxGroup`
 * rows, at most `maxInFlight` groups at once). A group is one transaction
 * with multi-row statements, under its tickets' locks taken in one statement,
 * and one pipelined round trip to Redis; every webhook of the group is
 * answered once the group is committed and its jobs are queued.
 *
 * A group names each ticket once, and no ticket is in two groups at once: a
 * version of a ticket whose earlier version is pending or being written waits
 * for a later group, so versions of one ticket are stored in arrival order
 * even with two groups in flight (which would otherwise race for its lock).
 * The same delivery (source and delivery id) twice in one group is written
 * once and the repeat answered 'duplicate_delivery', as a later retry would be.
 *
 * A group that fails before its commit is retried row by row, so one bad row
 * fails only its own webhook — except when PostgreSQL is unreachable: then
 * every webhook of the group gets the error (503, Retry-After) and nothing
 * was acknowledged, so the senders retry.
 */

export interface IntakeWriter {
  /** Resolves once the version is committed and its grade queued (or left to the reconciler). */
  write(delivery: VersionDelivery): Promise<IngestOutcome>;
}

export interface IntakeWriterOptions {
  /** Most rows in one group (one transaction). */
  maxGroup?: number;
  /** Most groups being written at once (each holds one PostgreSQL connection). */
  maxInFlight?: number;
}

interface Waiter {
  delivery: VersionDelivery;
  resolve(out: IngestOutcome): void;
  reject(err: Error): void;
}

/** One row of a group: the first waiter is the delivery written; the others repeat it. */
interface Entry {
  delivery: VersionDelivery;
  waiters: Waiter[];
}

/** Groups written at once by default; each holds one connection. */
const MAX_IN_FLIGHT = 2;

/**
 * The intake writer's own pool (`IngestDeps.writerPool`): pipelined, so a
 * group's BEGIN, locks, rows and COMMIT travel in one round trip, and one
 * connection for each group the writer has in flight.
 */
export function createWriterPool(
  databaseUrl: string,
  opts: Omit<PoolOptions, 'max' | 'pipeline'> = {},
): Pool {
  return createPool(databaseUrl, { ...opts, max: MAX_IN_FLIGHT, pipeline: true });
}

const ticketKey = (d: VersionDelivery) => `${d.ticket.source}\n${d.ticket.externalId}`;

export function createIntakeWriter(deps: IngestDeps, opts: IntakeWriterOptions = {}): IntakeWriter {
  const maxGroup = opts.maxGroup ?? 200;
  const maxInFlight = opts.maxInFlight ?? MAX_IN_FLIGHT;
  let pending: Waiter[] = [];
  let inFlight = 0;
  /** Tickets named by a group being written: their next versions wait for it. */
  const writing = new Set<string>();

  /** The next group from what is pending, in arrival order; the rest stays pending. */
  function take(): Entry[] {
    const entries: Entry[] = [];
    const tickets = new Set<string>();
    const deliveries = new Map<string, Entry>();
    const rest: Waiter[] = [];
    for (const w of pending) {
      const { deliveryId } = w.delivery;
      const dk = deliveryId ? deliveryKey(w.delivery.ticket.source, deliveryId) : undefined;
      const same = dk ? deliveries.get(dk) : undefined;
      if (same) {
        same.waiters.push(w);
        continue;
      }
      const tk = ticketKey(w.delivery);
      if (entries.length >= maxGroup || tickets.has(tk) || writing.has(tk)) {
        // Held back: a later version of this ticket must not overtake it.
        tickets.add(tk);
        rest.push(w);
        continue;
      }
      tickets.add(tk);
      const e: Entry = { delivery: w.delivery, waiters: [w] };
      entries.push(e);
      if (dk) deliveries.set(dk, e);
    }
    pending = rest;
    deps.metrics.intakePending?.set(pending.length);
    return entries;
  }

  function pump(): void {
    while (inFlight < maxInFlight && pending.length > 0) {
      const group = take();
      // Everything pending waits for a ticket already being written.
      if (group.length === 0) return;
      const keys = group.map((e) => ticketKey(e.delivery));
      for (const k of keys) writing.add(k);
      inFlight++;
      void run(group).finally(() => {
        for (const k of keys) writing.delete(k);
        inFlight--;
        pump();
      });
    }
  }

  async function write(entries: readonly Entry[], contextVersion: string): Promise<void> {
    const deliveries = entries.map((e) => e.delivery);
    deps.metrics.intakeGroupRows?.observe(deliveries.length);
    await withAdvisoryLocks(
      deps.writerPool ?? deps.pool,
      deliveries.map((d) => LOCKS.ticket(d.ticket.source, d.ticket.externalId)),
      async (client, tx) => {
        const outs = await storeAndSchedule(deps, client, deliveries, contextVersion, tx);
        // Committed and queued: answered now, while the locks are released
        // (the next group of these tickets waits for that in PostgreSQL).
        answer(entries, outs);
      },
    );
  }

  function answer(entries: readonly Entry[], outs: readonly IngestOutcome[]): void {
    // One log line per group rather than per webhook: what each request became.
    deps.logger.info(
      {
        rows: entries.length,
        tickets: entries.map((e, i) => ({
          reqId: e.waiters.map((w) => w.delivery.reqId),
          source: e.delivery.ticket.source,
          externalId: e.delivery.ticket.externalId,
          ticketId: outs[i]?.ticketId,
          newVersion: outs[i]?.newVersion,
          grading: outs[i]?.grading,
        })),
      },
      'webhooks stored',
    );
    entries.forEach((e, i) => {
      const out = outs[i];
      if (!out) {
        fail([e], new Error('the group answered no outcome'));
        return;
      }
      const [first, ...repeats] = e.waiters;
      first?.resolve(out);
      for (const r of repeats)
        r.resolve({ ...out, newVersion: false, grading: 'duplicate_delivery' });
    });
  }

  async function run(entries: Entry[]): Promise<void> {
    let contextVersion: string | undefined;
    try {
      contextVersion = await deps.contextVersion();
      await write(entries, contextVersion);
    } catch (err) {
      const e = toError(err);
      if (entries.length === 1 || isDatabaseUnavailable(e) || contextVersion === undefined)
        return fail(entries, e);
      // One row may be what failed: each is written on its own, so it fails alone.
      for (const entry of entries) {
        try {
          await write([entry], contextVersion);
        } catch (one) {
          fail([entry], toError(one));
        }
      }
    }
  }

  return {
    write(delivery) {
      return new Promise<IngestOutcome>((resolve, reject) => {
        pending.push({ delivery, resolve, reject });
        pump();
        deps.metrics.intakePending?.set(pending.length);
      });
    },
  };
}

function fail(entries: readonly Entry[], err: Error): void {
  for (const e of entries) for (const w of e.waiters) w.reject(err);
}
