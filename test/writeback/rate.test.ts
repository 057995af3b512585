import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { sourcePause, takeRateSlot } from '../../src/writeback/rate.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { REDIS_URL } from '../helpers/urls.js';

/** The per-source limits every writeback worker shares, in real Redis. */
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const prefix = testPrefix();
afterAll(async () => {
  redis.disconnect();
  await cleanPrefix(prefix);
});

describe('per-source write-back rate', () => {
  it('allows N requests per minute per source, then says how long until the next window', async () => {
    const now = Date.parse('2026-12-01T10:00:20Z');
    const take = (source: string) => takeRateSlot(redis, `${prefix}:writeback`, source, 2, now);
    expect(await take('zendesk')).toBe(0);
    expect(await take('zendesk')).toBe(0);
    const wait = await take('zendesk');
    expect(wait).toBeGreaterThanOrEqual(40_000);
    expect(wait).toBeLessThan(41_000);
    // Another source has its own budget.
    expect(await take('jira')).toBe(0);
  });

  it('a vendor pause (Retry-After) holds the whole source', async () => {
    expect(await sourcePause(redis, `${prefix}:writeback`, 'freshdesk')).toBe(0);
    await redis.set(`${prefix}:writeback:pause:freshdesk`, '1', 'PX', 5_000);
    const left = await sourcePause(redis, `${prefix}:writeback`, 'freshdesk');
    expect(left).toBeGreaterThan(4_000);
    expect(left).toBeLessThanOrEqual(5_000);
  });
});
