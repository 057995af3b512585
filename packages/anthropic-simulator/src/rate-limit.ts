import { SimApiError } from './api-error.js';
import type { SimClock } from './clock.js';
import type { RateLimitOptions } from './options.js';

/**
 * Per-minute limits as the API enforces them: token buckets, one per
 * dimension, holding the per-minute limit and replenished continuously
 * (limit / 60 s) rather than reset at fixed intervals — the documented
 * behaviour (https://docs.anthropic.com/en/api/rate-limits: "token bucket
 * algorithm … capacity is continuously replenished up to your maximum
 * limit"). So a 429's `retry-after` is the time until the bucket again holds
 * what the request needs (seconds, rounded up), not until a minute-old
 * request leaves a window; `anthropic-ratelimit-*-reset` is when the bucket
 * will be full. Time is the simulator clock.
 *
 * Input tokens count as the API counts them for ITPM: uncached input plus
 * cache writes; cache reads are free. Output tokens are taken from the
 * bucket when the answer is made (a request is refused while the output
 * bucket is empty). A limit of 0 means unlimited, reported in headers as
 * UNLIMITED so clients that read them keep working.
 *
 * Limits apply to each model separately, as the API documents ("rate limits
 * are applied separately for each model"): Haiku calls do not spend Sonnet's
 * buckets. `rateLimits` gives every model the same limits.
 */

const MINUTE_MS = 60_000;
const UNLIMITED = 1_000_000_000;

type Dimension = 'requests' | 'input' | 'output';

/** One model's buckets. */
class ModelBuckets {
  /** Bucket levels; undefined = full. */
  #level: Record<Dimension, number | undefined> = {
    requests: undefined,
    input: undefined,
    output: undefined,
  };
  #last: number | undefined;

  constructor(
    private readonly clock: SimClock,
    private readonly limits: () => RateLimitOptions,
  ) {}

  #limitOf(d: Dimension): number {
    const l = this.limits();
    return d === 'requests'
      ? l.requestsPerMinute
      : d === 'input'
        ? l.inputTokensPerMinute
        : l.outputTokensPerMinute;
  }

  /** Refills every bucket up to now; returns now. */
  #refill(): number {
    const now = this.clock.now();
    const dt = this.#last === undefined ? 0 : Math.max(0, now - this.#last);
    this.#last = now;
    for (const d of ['requests', 'input', 'output'] as const) {
      const limit = this.#limitOf(d);
      const level = this.#level[d];
      if (limit <= 0 || level === undefined) continue;
      const next = level + (dt * limit) / MINUTE_MS;
      this.#level[d] = next >= limit ? undefined : next;
    }
    return now;
  }

  #levelOf(d: Dimension): number {
    return this.#level[d] ?? this.#limitOf(d);
  }

  /** Throws 429 when this request would pass a limit; otherwise takes it from the buckets. */
  admit(inputTokens: number): void {
    this.#refill();
    const rpm = this.#limitOf('requests');
    const itpm = this.#limitOf('input');
    const otpm = this.#limitOf('output');
    if (rpm > 0 && this.#levelOf('requests') < 1) {
      throw this.#tooMany(
        `Number of requests has exceeded your per-minute rate limit (${rpm})`,
        'requests',
        1,
      );
    }
    if (itpm > 0 && this.#levelOf('input') < Math.min(inputTokens, itpm)) {
      throw this.#tooMany(
        `This request would exceed your organization's rate limit of ${itpm} input tokens per minute`,
        'input',
        Math.min(inputTokens, itpm),
      );
    }
    if (otpm > 0 && this.#levelOf('output') <= 0) {
      throw this.#tooMany(`Output tokens per minute exceeded (${otpm})`, 'output', 1);
    }
    this.#take('requests', 1);
    this.#take('input', inputTokens);
  }

  /** Takes the output tokens of an answer from the output bucket. */
  recordOutput(outputTokens: number): void {
    this.#refill();
    this.#take('output', outputTokens);
  }

  #take(d: Dimension, n: number): void {
    if (this.#limitOf(d) <= 0 || n <= 0) return;
    this.#level[d] = this.#levelOf(d) - n;
  }

  headers(): Record<string, string> {
    const now = this.#refill();
    const pair = (name: string, d: Dimension) => {
      const limit = this.#limitOf(d);
      const effective = limit > 0 ? limit : UNLIMITED;
      const level = limit > 0 ? this.#levelOf(d) : UNLIMITED;
      const fullInMs = limit > 0 ? ((limit - level) * MINUTE_MS) / limit : 0;
      return {
        [`anthropic-ratelimit-${name}-limit`]: String(effective),
        [`anthropic-ratelimit-${name}-remaining`]: String(Math.max(0, Math.floor(level))),
        [`anthropic-ratelimit-${name}-reset`]: rfc3339(now + fullInMs),
      };
    };
    return {
      ...pair('requests', 'requests'),
      ...pair('input-tokens', 'input'),
      ...pair('output-tokens', 'output'),
    };
  }

  reset(): void {
    this.#level = { requests: undefined, input: undefined, output: undefined };
    this.#last = undefined;
  }

  #tooMany(message: string, d: Dimension, need: number) {
    const limit = this.#limitOf(d);
    const deficit = need - this.#levelOf(d);
    const retryAfter = Math.max(1, Math.ceil((deficit * MINUTE_MS) / limit / 1000));
    return new SimApiError('rate_limit_error', message, {
      'retry-after': String(retryAfter),
      ...this.headers(),
    });
  }
}

function rfc3339(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The simulator's limits: one set of buckets per model id. */
export class RateLimiter {
  #models = new Map<string, ModelBuckets>();

  constructor(
    private readonly clock: SimClock,
    private readonly limits: () => RateLimitOptions,
  ) {}

  #of(model: string): ModelBuckets {
    let b = this.#models.get(model);
    if (!b) {
      b = new ModelBuckets(this.clock, this.limits);
      this.#models.set(model, b);
    }
    return b;
  }

  /** Throws 429 when this request would pass one of its model's limits; otherwise takes it. */
  admit(inputTokens: number, model = ''): void {
    this.#of(model).admit(inputTokens);
  }

  recordOutput(outputTokens: number, model = ''): void {
    this.#of(model).recordOutput(outputTokens);
  }

  headers(model = ''): Record<string, string> {
    return this.#of(model).headers();
  }

  reset(): void {
    this.#models.clear();
  }
}
