import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createRedis } from '../../src/queue/connection.js';
import { QC_QUEUE } from '../../src/queue/jobs.js';
import { REDIS_URL } from './urls.js';

/** A random BullMQ prefix per test, and cleanup of every key under it. */
export function testPrefix(): string {
  return `tqc-test-${randomUUID()}`;
}

export async function cleanPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * A producer connection, as the API opens one, and the QC queue under
 * `prefix` on it. A producer does not queue commands while it connects, so
 * this resolves once the connection is ready (its first error, or 5 s without
 * one, rejects). The queue's error events are swallowed: a test that cuts
 * Redis reads each call's own error.
 */
export async function producerQueue(
  prefix: string,
  url = REDIS_URL,
): Promise<{ redis: Redis; queue: Queue }> {
  const redis = createRedis(url, 'producer');
  if (redis.status !== 'ready') await once(redis, 'ready', { signal: AbortSignal.timeout(5_000) });
  const queue = new Queue(QC_QUEUE, { connection: redis, prefix });
  queue.on('error', () => undefined);
  return { redis, queue };
}
