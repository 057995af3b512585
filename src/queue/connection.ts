import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/** One Redis, or a Redis Cluster (REDIS_CLUSTER_NODES): BullMQ and our own keys work on both. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: REDIS_URL, and the seed nodes when it is a Cluster. */
export interface RedisTarget {
  url: string;
  clusterNodes?: readonly string[];
}

export function redisTargetOf(config: {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES: readonly string[];
}): RedisTarget {
  return { url: config.REDIS_URL, clusterNodes: config.REDIS_CLUSTER_NODES };
}

/** Credentials and TLS from the URL, for each node of a Cluster. */
function nodeOptionsOf(url: string): RedisOptions {
  const u = new URL(url);
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * Workers block on Redis and must wait out a restart (maxRetriesPerRequest:
 * null); producers fail fast (no offline queue) so an ingest path can fall
 * back to "stored, reconciler will enqueue" instead of hanging. With
 * `clusterNodes`, an ioredis Cluster with the same behaviour per node (issue
 * 10: QUEUE_PREFIX is then hash-tagged, checked by loadConfig).
 */
export function createRedis(
  target: string,
  role: 'worker' | 'producer',
  logger?: Logger,
  extra?: RedisOptions,
): Redis;
export function createRedis(
  target: RedisTarget,
  role: 'worker' | 'producer',
  logger?: Logger,
  extra?: RedisOptions,
): RedisClient;
export function createRedis(
  target: string | RedisTarget,
  role: 'worker' | 'producer',
  logger?: Logger,
  extra: RedisOptions = {},
): RedisClient {
  const t: RedisTarget = typeof target === 'string' ? { url: target } : target;
  const options: RedisOptions = {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    lazyConnect: false,
    ...extra,
  };
  const redis: RedisClient = t.clusterNodes?.length
    ? new Cluster(
        t.clusterNodes.map((n) => {
          const i = n.lastIndexOf(':');
          return { host: n.slice(0, i), port: Number(n.slice(i + 1)) };
        }),
        {
          redisOptions: { ...nodeOptionsOf(t.url), ...options },
          enableOfflineQueue: role === 'worker',
          clusterRetryStrategy: (times) => Math.min(times * 200, 5_000),
          lazyConnect: false,
        },
      )
    : new Redis(t.url, options);
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
