import type { default as Anthropic, Middleware } from '@anthropic-ai/sdk';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PACE_SCRIPT, type Tokens } from './rate-script.js';
import { retryAfterMs } from './retry.js';

/**
 * Uses the whole Anthropic rate limit without hitting it, across every process
 * that shares a Redis.
 *
 * The API meters requests, input tokens and output tokens per minute per model
 * with token buckets: capacity is replenished continuously, not reset once a
 * minute (https://docs.anthropic.com/en/api/rate-limits). Sending as fast as
 * the concurrency allows empties the bucket in a burst and then every slot
 * sleeps `retry-after` — the burst-then-stall the fixed-concurrency worker
 * shows. This limiter keeps a mirror of those buckets in one Redis hash per
 * model: before each attempt a caller takes one request and its estimated
 * tokens (a Lua script, so concurrent processes never both take the last
 * one), waiting the refill time when the bucket is short. How many requests
 * are in flight then follows from the rate and the model's latency (Little's
 * law): concurrency adapts by itself, and QC_CONCURRENCY is only a ceiling.
 *
 * What it learns from the API, per model:
 * - `anthropic-ratelimit-{requests,input-tokens,output-tokens}-limit`: the
 *   refill rate (limit per minute), capped by QC_RATE_LIMIT_PER_MINUTE for
 *   requests when that is set;
 * - `…-remaining`: the server's own level — ours is lowered to it when the
 *   organisation's other clients (or a wrong estimate) used more;
 * - `retry-after` on a 429: every process pauses that model until then.
 * Until the first answer the limits are unknown and requests are not paced.
 *
 * Our bucket holds `burstMs` of refill (not the full minute) so a burst after
 * an idle spell cannot empty the server's bucket, which the API may also
 * enforce over intervals shorter than a minute.
 *
 * Token estimates: input is the EWMA of input + cache-write tokens charged
 * to the model (cache reads are free for ITPM on current models), output the
 * EWMA of output tokens; both are corrected with the real usage once the
 * answer is in.
 */

export interface RateLimiterOptions {
  redis: Redis | Cluster;
  /** Key prefix (QUEUE_PREFIX): processes of one deployment share their buckets. */
  prefix: string;
  /** Upper bound on requests per minute per model (QC_RATE_LIMIT_PER_MINUTE); 0 = the API's. */
  maxRequestsPerMinute?: number;
  /** Refill time our bucket holds (default 6 s). */
  burstMs?: number;
  /** Share of the API's limits left unused, against timing jitter (default 0.02). */
  headroom?: number;
  logger?: Logger | undefined;
  /** Injected sleep, for tests; must honour the signal. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RateLimiterStats {
  acquired: number;
  waited: number;
  waitedMs: number;
  rateLimited: number;
}

type Estimates = { input: number; output: number };

const abortable = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

const num = (h: Headers, name: string): number => {
  const v = Number(h.get(name));
  return Number.isFinite(v) && v >= 0 ? v : -1;
};

/** How long one pacing step may wait for Redis before the call goes ahead unpaced. */
const EVAL_TIMEOUT_MS = 500;

export class RateLimiter {
  readonly stats: RateLimiterStats = { acquired: 0, waited: 0, waitedMs: 0, rateLimited: 0 };
  readonly #estimates = new Map<string, Estimates>();
  readonly #burstMs: number;
  readonly #headroom: number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly opts: RateLimiterOptions) {
    this.#burstMs = opts.burstMs ?? 6_000;
    this.#headroom = opts.headroom ?? 0.02;
    this.#sleep = opts.sleep ?? abortable;
  }

  #lastDownLog = 0;

  /** Redis unreachable: the call goes ahead unpaced (the SDK still honours retry-after). */
  #redisDown(err: unknown): void {
    // One line per 10 s, not one per model call, while Redis is away.
    const now = Date.now();
    if (now - this.#lastDownLog < 10_000) return;
    this.#lastDownLog = now;
    this.opts.logger?.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'rate limiter unavailable: calling without pacing',
    );
  }

  key(model: string): string {
    return `${this.opts.prefix}:ratelimit:${model}`;
  }

  /** The token estimate for the next request to `model`. */
  estimate(model: string): Estimates {
    return this.#estimates.get(model) ?? { input: 0, output: 0 };
  }

  /**
   * One pacing step in Redis, bounded in time: a worker's connection queues
   * commands while Redis is away (maxRetriesPerRequest: null), which would
   * hold every model call — and the settling of calls already paid for —
   * until Redis returns. Past EVAL_TIMEOUT_MS the step fails and the call
   * goes ahead unpaced.
   */
  async #eval(model: string, op: string, ...args: (string | number)[]): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`rate limiter: Redis did not answer within ${EVAL_TIMEOUT_MS} ms`)),
        EVAL_TIMEOUT_MS,
      );
    });
    try {
      const r = await Promise.race([
        this.opts.redis.eval(PACE_SCRIPT, 1, this.key(model), op, this.#burstMs, ...args),
        timeout,
      ]);
      return Number(r);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits until the model's buckets hold one request and the estimated tokens, then takes them. */
  async acquire(model: string, signal?: AbortSignal): Promise<Tokens> {
    const est = this.estimate(model);
    const take: Tokens = {
      requests: 1,
      input: Math.round(est.input),
      output: Math.round(est.output),
    };
    let waited = false;
    for (;;) {
      const waitMs = await this.#eval(model, 'take', take.input, take.output);
      if (waitMs <= 0) break;
      if (!waited) this.stats.waited++;
      waited = true;
      this.stats.waitedMs += waitMs;
      await this.#sleep(Math.min(waitMs, 5_000), signal);
    }
    this.stats.acquired++;
    return take;
  }

  /**
   * After an answer: the real usage replaces the estimate (the difference goes
   * back to the buckets or is taken from them) and the limits and levels the
   * API reported are recorded.
   */
  async settle(
    model: string,
    taken: Tokens,
    headers: Headers,
    usage?: { input: number; output: number },
  ): Promise<void> {
    const rpmCap = this.opts.maxRequestsPerMinute ?? 0;
    // Paced exactly at the limit, our bucket and the API's both sit near empty and the few ms
    // between taking and arriving turn into 429s: keep a little headroom below the API's limits.
    const api = (name: string) => {
      const v = num(headers, `anthropic-ratelimit-${name}-limit`);
      return v > 0 ? v * (1 - this.#headroom) : v;
    };
    let rl = api('requests');
    if (rpmCap > 0) rl = rl > 0 ? Math.min(rl, rpmCap) : rpmCap;
    const args = [
      rl,
      api('input-tokens'),
      api('output-tokens'),
      num(headers, 'anthropic-ratelimit-requests-remaining'),
      num(headers, 'anthropic-ratelimit-input-tokens-remaining'),
      num(headers, 'anthropic-ratelimit-output-tokens-remaining'),
      usage ? taken.input - usage.input : 0,
      usage ? taken.output - usage.output : 0,
    ];
    if (usage) {
      const prev = this.#estimates.get(model);
      const a = 0.2;
      this.#estimates.set(
        model,
        prev
          ? {
              input: prev.input + a * (usage.input - prev.input),
              output: prev.output + a * (usage.output - prev.output),
            }
          : { input: usage.input, output: usage.output },
      );
    }
    await this.#eval(model, 'settle', ...args);
  }

  /** A 429: every process pauses the model for `retry-after` (at least one refill). */
  async rateLimited(model: string, headers: Headers): Promise<void> {
    this.stats.rateLimited++;
    const ms = retryAfterMs(headers) ?? 1_000;
    await this.settle(model, { requests: 1, input: 0, output: 0 }, headers);
    await this.#eval(model, 'pause', Math.round(ms));
    this.opts.logger?.warn({ model, pauseMs: Math.round(ms) }, 'rate limited: pausing the model');
  }

  /**
   * The SDK middleware: paces every attempt of POST /v1/messages (retries
   * included) and learns from every answer. Other endpoints (batches, token
   * counts) have their own limits and pass through.
   */
  middleware(): Middleware {
    return async (request, next, ctx) => {
      const opts = ctx.options;
      const body = opts?.body as { model?: unknown } | undefined;
      if (
        opts?.method !== 'post' ||
        opts.path !== '/v1/messages' ||
        typeof body?.model !== 'string'
      )
        return next(request);
      const model = body.model;
      const signal = opts.signal ?? undefined;
      let taken: Tokens | undefined;
      try {
        taken = await this.acquire(model, signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        this.#redisDown(err);
      }
      const response = await next(request);
      if (!taken) return response;
      if (response.status === 429) {
        await this.rateLimited(model, response.headers).catch((err: unknown) =>
          this.#redisDown(err),
        );
        return response;
      }
      let usage: { input: number; output: number } | undefined;
      if (response.ok) {
        const msg = await ctx.parse<{ usage?: Record<string, number | null | undefined> }>(
          response,
        );
        const u = msg.usage;
        if (u)
          usage = {
            input: (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
            output: u.output_tokens ?? 0,
          };
      }
      await this.settle(model, taken, response.headers, usage).catch((err: unknown) =>
        this.#redisDown(err),
      );
      return response;
    };
  }
}

/** A client like `client` whose every messages call is paced by `limiter` (the same retries). */
export function withRateLimiter(client: Anthropic, limiter: RateLimiter): Anthropic {
  return client.withOptions({ middleware: [...client.middleware, limiter.middleware()] });
}
