import type { Cluster, Redis } from 'ioredis';

/**
 * Per-source limits shared by every writeback worker, in Redis: a fixed
 * one-minute window of requests per source, and a pause a vendor's
 * Retry-After puts on the whole source (the next job would get a 429 too).
 */

/** 0 when a slot was taken; otherwise ms until the next window opens. */
export async function takeRateSlot(
  redis: Redis | Cluster,
  keyPrefix: string,
  source: string,
  perMinute: number,
  now = Date.now(),
): Promise<number> {
  if (perMinute <= 0) return 0;
  const window = Math.floor(now / 60_000);
  const key = `${keyPrefix}:rate:${source}:${window}`;
  const n = await redis.incr(key);
  if (n === 1) await redis.pexpire(key, 120_000);
  if (n <= perMinute) return 0;
  return (window + 1) * 60_000 - now + Math.floor(Math.random() * 1_000);
}

/** ms left of a pause on the source (0 when none). */
export async function sourcePause(
  redis: Redis | Cluster,
  keyPrefix: string,
  source: string,
): Promise<number> {
  const ms = await redis.pttl(`${keyPrefix}:pause:${source}`);
  return Math.max(ms, 0);
}
