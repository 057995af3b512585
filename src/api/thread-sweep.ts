import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { Pool } from '../db/pool.js';
import { needsThreadCounts, releaseExpiredThreadWaits } from '../db/threads.js';
import { toError } from '../logger.js';

/**
 * Tickets waiting for their thread ('needs_thread', see src/db/threads.ts):
 * counted for /metrics, and released for grading once they have waited
 * QC_NEEDS_THREAD_TIMEOUT — then the reconciler queues them and the grader
 * says the thread is missing (escalating `cannot_judge` only if it must).
 */

export function registerThreadMetrics(registry: Registry, pool: Pool, logger: Logger): void {
  new Gauge({
    name: 'ticketqc_tickets_needs_thread',
    help: 'Tickets waiting for their conversation before grading, by source',
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const [source, n] of Object.entries(await needsThreadCounts(pool)))
          this.set({ source }, n);
      } catch (err) {
        logger.debug({ err: toError(err).message }, 'needs-thread count unavailable');
      }
    },
  });
}

export interface ThreadSweep {
  stop(): Promise<void>;
}

/** Every `intervalMs`: waits older than `timeoutMs` go back to grading. */
export function startThreadSweep(o: {
  pool: Pool;
  timeoutMs: number;
  intervalMs: number;
  logger: Logger;
}): ThreadSweep {
  let running: Promise<void> | undefined;
  const tick = () => {
    running ??= releaseExpiredThreadWaits(o.pool, o.timeoutMs)
      .then((n) => {
        if (n > 0)
          o.logger.info(
            { released: n },
            'threads still missing after the timeout: grading as they are',
          );
      })
      .catch((err) => o.logger.warn({ err: toError(err).message }, 'thread sweep failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, o.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
