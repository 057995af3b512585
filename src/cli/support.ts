import type { Queue } from 'bullmq';
import { InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';

/**
 * What every command module shares: integer options, and a pool or a qc queue
 * that lives for one command. Only commander is imported up front; pg and
 * BullMQ load when a command runs (test/core/cli-startup.test.ts).
 */

export function intArg(min: 0 | 1): (v: string) => number {
  const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
  return (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be ${what}`);
    return n;
  };
}
export const nonNegativeInt = intArg(0);
export const positiveInt = intArg(1);

export async function withPool<T>(
  config: Config,
  fn: (pool: Pool) => Promise<T>,
  actor?: CliActor,
): Promise<T> {
  const { createPool } = await import('../db/pool.js');
  // The audit log records the connection's name: which way the reviewer was named.
  const applicationName = actor ? `ticket-qc-cli reviewer-from=${actor.from}` : 'ticket-qc-cli';
  const pool = createPool(config.DATABASE_URL, { max: 2, applicationName });
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

export interface CliActor {
  name: string;
  role: string;
  via: 'cli';
  /** Where the name came from: --reviewer, or QC_REVIEWER in the configuration. */
  from: 'flag' | 'config';
}

/**
 * Who acts from a shell, the same way on every command: --reviewer, else the
 * configured identity (QC_REVIEWER), else a clear error — never the OS user.
 * A name listed in REVIEW_USERS keeps that user's role.
 */
export function actorOf(config: Config, flag: string | undefined): CliActor {
  const name = flag?.trim() || config.QC_REVIEWER?.trim();
  if (!name)
    throw new InvalidArgumentError(
      'say who acts: --reviewer NAME, or set QC_REVIEWER in the environment',
    );
  const user = config.REVIEW_USERS.find((u) => u.name === name);
  return {
    name,
    role: user?.role ?? 'operator',
    via: 'cli',
    from: flag?.trim() ? 'flag' : 'config',
  };
}

export const reviewerOption = () =>
  new Option('--reviewer <name>', 'who acts (recorded in the audit log; default: QC_REVIEWER)');

export const jsonOption = () => new Option('--json', 'print JSON instead of a table');

/** Prints a value as JSON (dates as ISO strings). */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}
