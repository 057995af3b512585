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
  const { createRedis, redisTargetOf } = await import('../queue/connection.js');
  const { QC_QUEUE } = await import('../queue/jobs.js');
  const redis = createRedis(redisTargetOf(config), 'producer');
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

/**
 * Commands that call a model behave like the demo without a key (issue 11):
 * no ANTHROPIC_API_KEY and no ANTHROPIC_BASE_URL → a local simulator is
 * started for the command and the first line says so; no key but a base URL
 * → that URL is used and the first line says so. `refuse` (long-running
 * processes) refuses instead of starting one.
 */
export async function withModelAccess<T>(
  config: Config,
  fn: (config: Config) => Promise<T>,
  opts: { refuse?: string; out?: (line: string) => void } = {},
): Promise<T> {
  const out = opts.out ?? ((l: string) => console.log(l));
  if (config.ANTHROPIC_API_KEY) return fn(config);
  if (config.ANTHROPIC_BASE_URL) {
    out(
      `No ANTHROPIC_API_KEY set: calling the API at ANTHROPIC_BASE_URL (${config.ANTHROPIC_BASE_URL}), e.g. a local simulator.`,
    );
    return fn(config);
  }
  if (opts.refuse) throw new Error(`no ANTHROPIC_API_KEY set: ${opts.refuse}`);
  const { startSimulator } = await import('@ticket-qc/anthropic-simulator');
  const sim = await startSimulator({ seed: 7 });
  out(
    `No ANTHROPIC_API_KEY set: using the local Anthropic API simulator at ${sim.url} (offline and deterministic; its answers come from rules over context/, not a real model).`,
  );
  try {
    return await fn({ ...config, ANTHROPIC_BASE_URL: sim.url });
  } finally {
    await sim.close();
  }
}
