import type Anthropic from '@anthropic-ai/sdk';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { callTool } from '../../src/llm/call.js';
import { createAnthropic } from '../../src/llm/client.js';
import { PriceTable } from '../../src/llm/prices.js';
import { RateLimiter } from '../../src/llm/rate-limiter.js';
import { withRateLimiter } from '../../src/llm/rate-middleware.js';
import { waitFor } from '../helpers/pipeline.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { REDIS_URL } from '../helpers/urls.js';

/**
 * The shared rate limiter (src/llm/rate-limiter.ts) against the simulator's
 * token buckets and a real Redis: two limiters with their own connections
 * stand for two worker processes. No timing is asserted (that is
 * `npm run bench -- ratelimit`); what is asserted is what the API saw.
 */

const MODEL = 'claude-haiku-4-5';
const tool: Anthropic.Tool = {
  name: 'record_note',
  description: 'Records a note.',
  input_schema: { type: 'object', properties: { note: { type: 'string' } }, required: ['note'] },
};

let sim: Simulator | undefined;
const redises: Redis[] = [];
let prefix = testPrefix();

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const r of redises.splice(0)) r.disconnect();
  await cleanPrefix(prefix);
  prefix = testPrefix();
});

function paced(s: Simulator, opts: { burstMs?: number; maxRequestsPerMinute?: number } = {}) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  redises.push(redis);
  const limiter = new RateLimiter({ redis, prefix, ...opts });
  // No retries: a 429 would surface as a failed call instead of being hidden by a retry.
  const client = withRateLimiter(
    createAnthropic({ baseURL: s.url, timeoutMs: 30_000, retry: { maxRetries: 0, maxWaitMs: 0 } }),
    limiter,
  );
  return { limiter, client, redis };
}

function call(client: Anthropic) {
  return callTool(
    { client, prices: new PriceTable() },
    {
      model: MODEL,
      system: [{ type: 'text', text: 'Take notes.' }],
      tools: [tool],
      toolName: tool.name,
      messages: [{ role: 'user', content: 'Note: printer jammed.' }],
      maxTokens: 200,
      purpose: 'grade',
      tier: 'base',
    },
  );
}

const statuses = (s: Simulator) =>
  s
    .requests()
    .filter((r) => r.path === '/v1/messages')
    .map((r) => r.status);

describe('shared rate limiter', () => {
  it('two processes together stay inside the API bucket: more requests than it holds, no 429', async () => {
    // 20 per minute: the API's bucket holds 20 and refills one every 3 s.
    sim = await startSimulator({ noise: 0, rateLimits: { requestsPerMinute: 20 } });
    const a = paced(sim, { burstMs: 60_000 });
    const b = paced(sim, { burstMs: 60_000 });
    await call(a.client); // learns the limits from the headers
    // 21 more: one more than the API's bucket holds after the first. Unshared, each would send all of its share.
    const results = await Promise.allSettled([
      ...Array.from({ length: 11 }, () => call(a.client)),
      ...Array.from({ length: 10 }, () => call(b.client)),
    ]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(statuses(sim).filter((s) => s === 429)).toEqual([]);
    expect(statuses(sim)).toHaveLength(22);
    expect(a.limiter.stats.waited + b.limiter.stats.waited).toBeGreaterThanOrEqual(1);
    const state = await a.redis.hgetall(a.limiter.key(MODEL));
    expect(Number(state.rl)).toBeCloseTo(19.6); // the API's 20, 2 % headroom
  });

  it('leases requests in blocks: far fewer Redis steps than calls, none over the limit; close gives the rest back', async () => {
    sim = await startSimulator({ noise: 0, rateLimits: { requestsPerMinute: 600 } });
    const a = paced(sim, { burstMs: 60_000 });
    await call(a.client);
    for (let round = 0; round < 3; round++)
      await Promise.all(Array.from({ length: 8 }, () => call(a.client)));
    expect(statuses(sim).filter((s) => s !== 200)).toEqual([]);
    expect(a.limiter.stats.acquired).toBe(25);
    expect(a.limiter.stats.steps).toBeLessThanOrEqual(12);
    // Leased and unused requests go back to the bucket, once idle and on close: its level rises.
    const level = async () => Number((await a.redis.hgetall(a.limiter.key(MODEL))).r);
    await Promise.all(Array.from({ length: 3 }, () => a.limiter.acquire(MODEL)));
    const idle = await level();
    await waitFor('unused leased requests given back', async () => (await level()) > idle + 1);
    await Promise.all(Array.from({ length: 3 }, () => a.limiter.acquire(MODEL)));
    const before = await level();
    await a.limiter.close();
    await a.limiter.close();
    expect(await level()).toBeGreaterThan(before + 1);
  });

  it('QC_RATE_LIMIT_PER_MINUTE caps requests per minute below the API limit', async () => {
    sim = await startSimulator({ noise: 0 });
    const a = paced(sim, { maxRequestsPerMinute: 90 });
    await call(a.client);
    const state = await a.redis.hgetall(a.limiter.key(MODEL));
    expect(Number(state.rl)).toBe(90);
    // Unlimited on the simulator: token dimensions report 1e9 and are paced at that.
    expect(Number(state.il)).toBe(980_000_000);
    expect(a.limiter.estimate(MODEL).input).toBeGreaterThan(0);
  });

  it('a 429 pauses the model for every process sharing the Redis, for its retry-after', async () => {
    sim = await startSimulator({ noise: 0 });
    const a = paced(sim);
    const b = paced(sim);
    sim.injectError({ type: 'rate_limit_error', headers: { 'retry-after': '1' } });
    await expect(call(a.client)).rejects.toMatchObject({ status: 429 });
    expect(a.limiter.stats.rateLimited).toBe(1);
    const state = await b.redis.hgetall(b.limiter.key(MODEL));
    const [sec = 0, micro = 0] = (await b.redis.time()).map(Number);
    const redisNow = sec * 1000 + Math.floor(micro / 1000);
    expect(Number(state.p)).toBeGreaterThan(redisNow);
    // The other process waits the pause out instead of sending into it.
    await call(b.client);
    expect(b.limiter.stats.waited).toBe(1);
    expect(statuses(sim)).toEqual([429, 200]);
  });

  it('Redis away: calls go ahead unpaced instead of waiting for it (a worker connection queues commands)', async () => {
    sim = await startSimulator({ noise: 0 });
    // A worker's connection: no retry limit and an offline queue, so a command
    // waits for ever while Redis is away. Port 1 never answers.
    const dead = new Redis('redis://127.0.0.1:1', {
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      retryStrategy: () => 1_000,
    });
    dead.on('error', () => undefined);
    redises.push(dead);
    const limiter = new RateLimiter({ redis: dead, prefix });
    const client = withRateLimiter(
      createAnthropic({
        baseURL: sim.url,
        timeoutMs: 30_000,
        retry: { maxRetries: 0, maxWaitMs: 0 },
      }),
      limiter,
    );
    const r = await call(client);
    expect(r.call.outcome).toBe('ok');
    expect(statuses(sim)).toEqual([200]);
    expect(limiter.stats.acquired).toBe(0);
  });
});
