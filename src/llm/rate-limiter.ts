import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { LEASE_TTL_MS, Ledger } from './rate-ledger.js';
import { PaceRedis } from './rate-redis.js';
import type { Tokens } from './rate-script.js';
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
 *
 * Issue 13: a process leases requests from the shared buckets in blocks (as
 * many as its callers are waiting for, at most 16 and a quarter of the
 * bucket) in one Redis step instead of one step to take and one to settle
 * per request. What it learns from answers is sent with its next lease, or
 * within 250 ms; a leased request unused for 250 ms, and every one on
 * `close()`, goes back to the buckets.
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
  /** Steps in Redis (leases, bookkeeping, pauses): a lease serves up to 16 requests. */
  steps: number;
  waited: number;
  waitedMs: number;
  rateLimited: number;
}

type Estimates = { input: number; output: number };

/** Requests leased in one Redis step at most. */
const LEASE_BLOCK = 16;

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

export class RateLimiter {
  readonly stats: RateLimiterStats = {
    acquired: 0,
    steps: 0,
    waited: 0,
    waitedMs: 0,
    rateLimited: 0,
  };
  readonly #estimates = new Map<string, Estimates>();
  readonly #ledgers = new Map<string, Ledger>();
  readonly #headroom: number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #redis: PaceRedis;

  constructor(private readonly opts: RateLimiterOptions) {
    this.#headroom = opts.headroom ?? 0.02;
    this.#sleep = opts.sleep ?? abortable;
    this.#redis = new PaceRedis(opts.redis, opts.prefix, opts.burstMs ?? 6_000);
  }

  #lastDownLog = 0;

  /** Redis unreachable: the call goes ahead unpaced (the SDK still honours retry-after). */
  redisDown(err: unknown): void {
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
    return this.#redis.key(model);
  }

  /** The token estimate for the next request to `model`. */
  estimate(model: string): Estimates {
    return this.#estimates.get(model) ?? { input: 0, output: 0 };
  }

  #ledger(model: string): Ledger {
    let l = this.#ledgers.get(model);
    if (!l) {
      l = new Ledger();
      this.#ledgers.set(model, l);
    }
    return l;
  }

  /** Waits until the model's buckets hold one request and the estimated tokens, then takes them. */
  async acquire(model: string, signal?: AbortSignal): Promise<Tokens> {
    const l = this.#ledger(model);
    l.waiting++;
    let waited = false;
    try {
      for (;;) {
        if (l.take(performance.now())) {
          this.stats.acquired++;
          return { requests: 1, input: l.input, output: l.output };
        }
        l.leasing ??= this.#step(model, l, l.demand(LEASE_BLOCK)).finally(() => {
          l.leasing = undefined;
        });
        const waitMs = await l.leasing;
        if (waitMs <= 0) continue;
        if (!waited) this.stats.waited++;
        waited = true;
        this.stats.waitedMs += waitMs;
        await this.#sleep(Math.min(waitMs, 5_000), signal);
      }
    } finally {
      l.waiting--;
    }
  }

  /**
   * One Redis step for a model: what was heard since the last one, the
   * requests leased and not used (all of them when `n` is 0 and `all`, else
   * those past LEASE_TTL_MS), and a lease of up to `n` requests. Resolves to
   * 0, or the ms to wait when nothing could be leased.
   */
  async #step(model: string, l: Ledger, n: number, all = false): Promise<number> {
    const est = this.estimate(model);
    const per = [Math.round(est.input), Math.round(est.output)] as const;
    this.stats.steps++;
    const r = await this.#redis.run(model, 'lease', ...l.drain(performance.now(), all), n, ...per);
    if (r <= 0) return -r;
    l.leased(r, per[0], per[1], performance.now());
    this.#later(model, l);
    return 0;
  }

  /** Sends what is pending once the leased requests have expired, if no lease carried it. */
  #later(model: string, l: Ledger): void {
    if (l.timer) return;
    l.timer = setTimeout(() => {
      l.timer = undefined;
      // A lease under way carries nothing heard after it left: look again later.
      if (l.leasing) return this.#later(model, l);
      if (l.due(performance.now()))
        void this.#step(model, l, 0).then(
          () => l.pending() && this.#later(model, l),
          (err: unknown) => this.redisDown(err),
        );
      else if (l.pending()) this.#later(model, l);
    }, LEASE_TTL_MS + 1);
    l.timer.unref();
  }

  /**
   * After an answer: the real usage replaces the estimate (the difference goes
   * back to the buckets or is taken from them) and the limits and levels the
   * API reported are recorded, with the next lease — at once the first time,
   * so every process learns the limits without delay.
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
    const heard = [
      rl,
      api('input-tokens'),
      api('output-tokens'),
      num(headers, 'anthropic-ratelimit-requests-remaining'),
      num(headers, 'anthropic-ratelimit-input-tokens-remaining'),
      num(headers, 'anthropic-ratelimit-output-tokens-remaining'),
    ];
    const l = this.#ledger(model);
    l.hear(
      heard,
      usage ? taken.input - usage.input : 0,
      usage ? taken.output - usage.output : 0,
      performance.now(),
    );
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
    if (!l.known && heard.some((v) => v >= 0)) {
      l.known = true;
      await this.#step(model, l, 0);
    } else this.#later(model, l);
  }

  /** A 429: every process pauses the model for `retry-after` (at least one refill). */
  async rateLimited(model: string, headers: Headers): Promise<void> {
    this.stats.rateLimited++;
    const ms = retryAfterMs(headers) ?? 1_000;
    const l = this.#ledger(model);
    // Requests leased here would be sent into the pause.
    l.held = 0;
    l.known = false;
    await this.settle(model, { requests: 1, input: 0, output: 0 }, headers);
    await this.#redis.run(model, 'pause', Math.round(ms));
    this.opts.logger?.warn({ model, pauseMs: Math.round(ms) }, 'rate limited: pausing the model');
  }

  /** Gives back every leased request not used and sends what is pending; idempotent. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.#ledgers].map(async ([model, l]) => {
        clearTimeout(l.timer);
        l.timer = undefined;
        await l.leasing?.catch(() => undefined);
        if (l.pending())
          await this.#step(model, l, 0, true).catch((err: unknown) => this.redisDown(err));
      }),
    );
  }
}
