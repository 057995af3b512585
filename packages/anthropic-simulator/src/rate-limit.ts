import { SimApiError } from './api-error.js';
import type { SimClock } from './clock.js';
import type { RateLimitOptions } from './options.js';

/**
 * Per-minute limits over a sliding 60-second window on the simulator clock.
 * Input tokens count as the API counts them for ITPM: uncached input plus
 * cache writes; cache reads are free. A limit of 0 means unlimited, reported
 * in headers as UNLIMITED so clients that read them keep working.
 */

const WINDOW_MS = 60_000;
const UNLIMITED = 1_000_000_000;

interface Hit {
  at: number;
  input: number;
  output: number;
}

export class RateLimiter {
  #hits: Hit[] = [];

  constructor(
    private readonly clock: SimClock,
    private readonly limits: () => RateLimitOptions,
  ) {}

  /** Throws 429 when this request would pass a limit; otherwise records it. */
  admit(inputTokens: number): void {
    const now = this.#prune();
    const {
      requestsPerMinute: rpm,
      inputTokensPerMinute: itpm,
      outputTokensPerMinute: otpm,
    } = this.limits();
    const used = this.#used();
    if (rpm > 0 && used.requests + 1 > rpm) {
      throw this.#tooMany(
        `Number of requests has exceeded your per-minute rate limit (${rpm})`,
        now,
      );
    }
    if (itpm > 0 && used.input + inputTokens > itpm) {
      throw this.#tooMany(
        `This request would exceed your organization's rate limit of ${itpm} input tokens per minute`,
        now,
        (hit) => hit.input > 0,
      );
    }
    if (otpm > 0 && used.output >= otpm) {
      throw this.#tooMany(
        `Output tokens per minute exceeded (${otpm})`,
        now,
        (hit) => hit.output > 0,
      );
    }
    this.#hits.push({ at: now, input: inputTokens, output: 0 });
  }

  /** Adds the output tokens of the request admitted last. */
  recordOutput(outputTokens: number): void {
    const last = this.#hits.at(-1);
    if (last) last.output += outputTokens;
  }

  headers(): Record<string, string> {
    const now = this.#prune();
    const limits = this.limits();
    const used = this.#used();
    const reset = new Date((this.#hits[0]?.at ?? now) + WINDOW_MS)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    const pair = (name: string, limit: number, spent: number) => {
      const effective = limit > 0 ? limit : UNLIMITED;
      return {
        [`anthropic-ratelimit-${name}-limit`]: String(effective),
        [`anthropic-ratelimit-${name}-remaining`]: String(Math.max(0, effective - spent)),
        [`anthropic-ratelimit-${name}-reset`]: reset,
      };
    };
    return {
      ...pair('requests', limits.requestsPerMinute, used.requests),
      ...pair('input-tokens', limits.inputTokensPerMinute, used.input),
      ...pair('output-tokens', limits.outputTokensPerMinute, used.output),
    };
  }

  reset(): void {
    this.#hits = [];
  }

  #used() {
    let input = 0;
    let output = 0;
    for (const hit of this.#hits) {
      input += hit.input;
      output += hit.output;
    }
    return { requests: this.#hits.length, input, output };
  }

  #prune(): number {
    const now = this.clock.now();
    this.#hits = this.#hits.filter((hit) => hit.at > now - WINDOW_MS);
    return now;
  }

  #tooMany(message: string, now: number, relevant: (hit: Hit) => boolean = () => true) {
    const oldest = this.#hits.find(relevant)?.at ?? now;
    const retryAfter = Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
    return new SimApiError('rate_limit_error', message, {
      'retry-after': String(retryAfter),
      ...this.headers(),
    });
  }
}
