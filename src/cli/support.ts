import { userInfo } from 'node:os';
import type { Queue } from 'bullmq';
import { InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';

/**
 * What every command module shares: integer options, and a pool or a qc queue
 * that lives for one command. Only commander is imported up front; pg and
 * BullMQ load when a command runs (test/core/cli-startup.test.ts).
 */

function intArg(min: 0 | 1): (v: string) => number {
  const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be ${what}`);
    return n;
  };
}
export const nonNegativeInt = intArg(0);
export const positiveInt = intArg(1);

export async function withPool<T>(config: Config, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const { createPool } = await import('../db/pool.js');
  const pool = createPool(config.DATABASE_URL, { max: 2, applicationName: 'ticket-qc-cli' });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/** The producer side of the qc queue: fails fast when Redis is down. */
export async function withQcQueue<T>(config: Config, fn: (queue: Queue) => Promise<T>): Promise<T> {
  const { Queue } = await import('bullmq');
  const { createRedis } = await import('../queue/connection.js');
  const { QC_QUEUE } = await import('../queue/jobs.js');
  const redis = createRedis(config.REDIS_URL, 'producer');
  const queue = new Queue(QC_QUEUE, { connection: redis, prefix: config.QUEUE_PREFIX });
  try {
    return await fn(queue);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** Who acts from a shell: a --reviewer named in REVIEW_USERS keeps that user's role. */
export function actorOf(config: Config, name: string) {
  const user = config.REVIEW_USERS.find((u) => u.name === name);
  return { name, role: user?.role ?? 'operator', via: 'cli' as const };
}

export const reviewerOption = () =>
  new Option('--reviewer <name>', 'who acts (recorded in the audit log)').default(
    userInfo().username,
  );
