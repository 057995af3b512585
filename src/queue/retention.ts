import { Queue, Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { deleteEventsOlderThan, eraseTickets } from '../db/erase.js';
import type { Pool } from '../db/pool.js';
import { toError } from '../logger.js';

export const RETENTION_QUEUE = 'retention';
export const RETENTION_SCHEDULER = 'retention-daily';

export interface RetentionOutcome {
  tickets: number;
  events: number;
}

/**
 * One retention pass: tickets whose newest version arrived more than
 * QC_RETENTION_TICKETS ago are erased like `ticket-qc erase` (results,
 * escalations, overrides, events naming them), then agent_events older than
 * QC_RETENTION_EVENTS are deleted. Unset windows keep everything.
 */
export async function applyRetention(
  pool: Pool,
  config: Pick<Config, 'QC_RETENTION_TICKETS' | 'QC_RETENTION_EVENTS'>,
): Promise<RetentionOutcome> {
  let tickets = 0;
  if (config.QC_RETENTION_TICKETS !== undefined) {
    const r = await eraseTickets(
      pool,
      { kind: 'retention', olderThanMs: config.QC_RETENTION_TICKETS },
      { actor: 'retention', role: 'system', via: 'system' },
    );
    tickets = r.counts.tickets;
  }
  const events =
    config.QC_RETENTION_EVENTS !== undefined
      ? await deleteEventsOlderThan(pool, config.QC_RETENTION_EVENTS)
      : 0;
  return { tickets, events };
}

export interface RetentionScheduler {
  close(): Promise<void>;
}

/**
 * The daily retention job (QC_RETENTION_CRON in QC_TZ), registered with
 * upsertJobScheduler under a fixed id, so every worker process may call this
 * and there is still one run a day. With both windows unset the schedule is
 * removed, so turning retention off takes effect on the next start.
 */
export async function startRetentionScheduler(
  deps: { pool: Pool; config: Config; logger: Logger },
  opts: { connection: Redis | Cluster; prefix: string },
): Promise<RetentionScheduler> {
  const { config, logger } = deps;
  const queue = new Queue(RETENTION_QUEUE, { connection: opts.connection, prefix: opts.prefix });
  const on = config.QC_RETENTION_TICKETS !== undefined || config.QC_RETENTION_EVENTS !== undefined;
  if (!on) {
    await queue.removeJobScheduler(RETENTION_SCHEDULER);
    await queue.close();
    return { close: async () => undefined };
  }
  await queue.upsertJobScheduler(
    RETENTION_SCHEDULER,
    { pattern: config.QC_RETENTION_CRON, tz: config.QC_TZ },
    {
      name: 'retention',
      data: {},
      opts: {
        attempts: 5,
        backoff: { type: 'exponential', delay: 60_000 },
        removeOnComplete: { count: 30 },
        removeOnFail: { count: 30 },
      },
    },
  );
  const worker = new Worker(
    RETENTION_QUEUE,
    async () => {
      const r = await applyRetention(deps.pool, config);
      logger.info({ ...r }, 'retention applied');
      return r;
    },
    { connection: opts.connection, prefix: opts.prefix, concurrency: 1, lockDuration: 5 * 60_000 },
  );
  worker.on('error', (err) =>
    logger.error({ err: toError(err).message }, 'retention worker error'),
  );
  worker.on('failed', (job, err) =>
    logger.warn({ jobId: job?.id, err: err.message }, 'retention job failed'),
  );
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await worker.close();
        await queue.close();
      })();
      return closing;
    },
  };
}
