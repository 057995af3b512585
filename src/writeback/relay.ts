import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { batchedWake, type Listener, listen } from '../db/listen.js';
import { claimPending, requeueStale, setOutboxStatuses } from '../db/outbox.js';
import type { Pool } from '../db/pool.js';
import { toError } from '../logger.js';
import { writebackJobId, writebackJobOptions } from '../queue/jobs.js';
import { offReason, SOURCE_OFF, sourcesOn } from './deliver.js';
import type { WritebackSettings } from './settings.js';

/**
 * Moves outbox rows to the writeback queue. Woken by the outbox's NOTIFY at
 * commit, and polling as well, so a row committed while Redis or this process
 * was down is still sent once both are back. Rows that are not for sending
 * (write-back off, history, too old) are settled here without a job.
 */

export interface RelayDeps {
  pool: Pool;
  queue: Queue;
  settings: WritebackSettings;
  logger: Logger;
}

export interface Relay {
  /** Runs one pass now (tests, the demo). Resolves with the rows queued. */
  pass(): Promise<number>;
  stop(): Promise<void>;
}

/** A queued row whose job has not finished in this long is queued again (same job id). */
const STALE_MS = 10 * 60_000;
/** How long a NOTIFY waits for others before the relay's pass. */
const RELAY_BATCH_MS = 200;

export async function startOutboxRelay(
  deps: RelayDeps,
  opts: { listen?: boolean } = {},
): Promise<Relay> {
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = false;
  let lastStaleCheck = 0;
  const on = sourcesOn(deps.settings);

  const once = async (): Promise<number> => {
    let queued = 0;
    if (Date.now() - lastStaleCheck > 60_000) {
      lastStaleCheck = Date.now();
      const n = await requeueStale(deps.pool, STALE_MS);
      if (n) deps.logger.warn({ rows: n }, 'outbox rows queued long ago: queued again');
    }
    for (;;) {
      // Issue 13: the rows of a source without write-back are settled `off` by the claim itself.
      const rows = await claimPending(deps.pool, 100, { sources: on, offReason: SOURCE_OFF });
      // The rest of a pass's rows are settled in one statement and queued in one round trip.
      const off: { id: number; reason: string }[] = [];
      const send: typeof rows = [];
      for (const row of rows) {
        if (row.status === 'off') continue;
        const reason = offReason(deps.settings, row, Date.now());
        if (reason) off.push({ id: row.id, reason });
        else send.push(row);
      }
      await setOutboxStatuses(deps.pool, off, 'off');
      if (send.length > 0) {
        try {
          await deps.queue.addBulk(
            send.map((row) => ({
              name: 'deliver',
              data: { outboxId: row.id },
              opts: {
                ...writebackJobOptions(deps.settings),
                jobId: writebackJobId(row.id, row.retries),
              },
            })),
          );
          queued += send.length;
        } catch (err) {
          await setOutboxStatuses(deps.pool, send, 'pending');
          throw err;
        }
      }
      if (rows.length < 100) return queued;
    }
  };

  const pass = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = once()
      .catch((err: unknown) => {
        deps.logger.warn({ err: toError(err).message }, 'outbox relay pass failed (will retry)');
        return 0;
      })
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          void pass();
        }
      });
    return running;
  };

  // The notes of the commits of the last RELAY_BATCH_MS go in one pass.
  const woken = batchedWake(() => void pass(), RELAY_BATCH_MS);
  let listener: Listener | undefined;
  if (opts.listen !== false)
    listener = await listen(deps.pool, 'writeback_outbox', () => woken.wake()).catch(
      (err: unknown) => {
        deps.logger.warn(
          { err: toError(err).message },
          'cannot LISTEN for outbox rows: polling only',
        );
        return undefined;
      },
    );
  const timer = setInterval(() => void pass(), deps.settings.pollIntervalMs);
  timer.unref();
  void pass();
  return {
    pass,
    async stop() {
      stopped = true;
      clearInterval(timer);
      woken.cancel();
      await listener?.close();
      await running;
    },
  };
}
