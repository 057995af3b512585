import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Workers block on Redis and must wait out a restart (maxRetriesPerRequest:
 * null); producers fail fast (no offline queue) so an ingest path can fall
 * back to "stored, reconciler will enqueue" instead of hanging.
 */
export function createRedis(
  url: string,
  role: 'worker' | 'producer',
  logger?: Logger,
  extra: RedisOptions = {},
): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    lazyConnect: false,
    ...extra,
  });
  let lastLogged = 0;
  redis.on('error', (err: Error) => {
    // ioredis emits an error per reconnect attempt; log at most every 10 s.
    const now = Date.now();
    if (now - lastLogged > 10_000) {
      lastLogged = now;
      logger?.warn({ err: err.message, role }, 'redis connection error (reconnecting)');
    }
  });
  return redis;
}

/**
 * A BullMQ Queue re-emits its connection's errors, and BullMQ prints an
 * 'error' nobody listens to with console.error. createRedis already logs the
 * connection's errors (throttled), so the Queue's copies are dropped here;
 * every Queue a process opens goes through this.
 */
export function quietQueue<
  Q extends { on(event: 'error', listener: (err: Error) => void): unknown },
>(queue: Q): Q {
  queue.on('error', () => undefined);
  return queue;
}
