import type { SimClock } from './clock.js';
import type { CountedSegment } from './serialize.js';

/**
 * Prompt caching as the API does it. A breakpoint is a block carrying
 * cache_control; the prefix of a breakpoint is every segment up to and
 * including it. The cache key is (model id, sha256 of that prefix).
 *
 * - Breakpoints whose prefix is below the model's minimum are ignored; when
 *   none qualify, both cache counters are 0.
 * - Every qualifying breakpoint is looked up; the longest unexpired hit wins
 *   and is read (cache_read_input_tokens = its prefix tokens), and its TTL is
 *   refreshed.
 * - Qualifying breakpoints after the hit are written: their extra tokens are
 *   cache_creation_input_tokens, split by the TTL of the breakpoint that ends
 *   each span (5 minutes, or 1 hour for ttl: '1h').
 * - input_tokens is whatever lies after the last read or written breakpoint.
 *
 * Tools come first in the prefix (serialize.ts), so a breakpoint on the last
 * system block caches the tool definitions too: caching "references the
 * entire prompt - tools, system, and messages (in that order) up to and
 * including the block designated with cache_control"
 * (https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching; for
 * tools, https://platform.claude.com/docs/en/agents-and-tools/tool-use/tool-use-with-prompt-caching).
 * The tool-use system prompt the API adds when tools are present (313 or 346
 * tokens: engine.ts `TOOL_OVERHEAD_TOKENS`; the tool-use pricing page adds
 * them to the request's input tokens,
 * https://docs.anthropic.com/en/docs/tool-use-pricing-and-tokens) is billed
 * as uncached input on every call: no page says it is read from the cache,
 * so the simulator does not assume it.
 */

export interface CachePlan {
  totalTokens: number;
  readTokens: number;
  creation5m: number;
  creation1h: number;
  uncachedTokens: number;
  hitKey: string | undefined;
  writes: Array<{ key: string; ttlMs: number }>;
  /** At least one breakpoint reached the model's minimum. */
  cacheable: boolean;
  /** Breakpoints were sent but every prefix was below the minimum. */
  belowMinimum: boolean;
}

export interface CacheStats {
  entries: number;
  lookups: number;
  hits: number;
  misses: number;
  writes: number;
  /** Requests with breakpoints whose prefixes were all too short to cache. */
  belowMinimum: number;
  readTokens: number;
  creationTokens: number;
}

export interface CacheTtls {
  ttl5mMs: number;
  ttl1hMs: number;
}

function emptyStats(): Omit<CacheStats, 'entries'> {
  return {
    lookups: 0,
    hits: 0,
    misses: 0,
    writes: 0,
    belowMinimum: 0,
    readTokens: 0,
    creationTokens: 0,
  };
}

interface Entry {
  expiresAt: number;
  ttlMs: number;
}

export class PromptCache {
  readonly #entries = new Map<string, Entry>();
  #stats = emptyStats();

  constructor(
    private readonly clock: SimClock,
    private readonly ttls: () => CacheTtls,
  ) {}

  plan(modelId: string, minTokens: number, segments: readonly CountedSegment[]): CachePlan {
    const now = this.clock.now();
    const cumulative: number[] = [];
    let total = 0;
    for (const s of segments) {
      total += s.tokens;
      cumulative.push(total);
    }
    const marked = segments
      .map((segment, index) => ({ segment, index, prefixTokens: cumulative[index] ?? 0 }))
      .filter((b) => b.segment.cache !== undefined);
    const breakpoints = marked.filter((b) => b.prefixTokens >= minTokens);
    const plan: CachePlan = {
      totalTokens: total,
      readTokens: 0,
      creation5m: 0,
      creation1h: 0,
      uncachedTokens: total,
      hitKey: undefined,
      writes: [],
      cacheable: breakpoints.length > 0,
      belowMinimum: marked.length > 0 && breakpoints.length === 0,
    };
    if (breakpoints.length === 0) return plan;

    const keyOf = (b: (typeof breakpoints)[number]) => `${modelId}:${b.segment.prefixHash}`;
    let hitAt = -1;
    for (let i = breakpoints.length - 1; i >= 0; i--) {
      const bp = breakpoints[i];
      if (!bp) continue;
      const entry = this.#entries.get(keyOf(bp));
      if (entry && entry.expiresAt > now) {
        hitAt = i;
        plan.hitKey = keyOf(bp);
        plan.readTokens = bp.prefixTokens;
        break;
      }
    }
    let covered = plan.readTokens;
    const { ttl5mMs, ttl1hMs } = this.ttls();
    for (const bp of breakpoints.slice(hitAt + 1)) {
      const span = bp.prefixTokens - covered;
      const oneHour = bp.segment.cache?.ttl === '1h';
      if (oneHour) plan.creation1h += span;
      else plan.creation5m += span;
      plan.writes.push({ key: keyOf(bp), ttlMs: oneHour ? ttl1hMs : ttl5mMs });
      covered = bp.prefixTokens;
    }
    plan.uncachedTokens = total - covered;
    return plan;
  }

  /** Applies a plan: refresh the hit, store the writes, count. */
  commit(plan: CachePlan): void {
    const now = this.clock.now();
    if (plan.belowMinimum) this.#stats.belowMinimum++;
    if (!plan.cacheable) return;
    this.#stats.lookups++;
    if (plan.hitKey) {
      const entry = this.#entries.get(plan.hitKey);
      if (entry) entry.expiresAt = now + entry.ttlMs;
      this.#stats.hits++;
      this.#stats.readTokens += plan.readTokens;
    } else {
      this.#stats.misses++;
    }
    for (const write of plan.writes) {
      this.#entries.set(write.key, { expiresAt: now + write.ttlMs, ttlMs: write.ttlMs });
      this.#stats.writes++;
    }
    this.#stats.creationTokens += plan.creation5m + plan.creation1h;
    this.#sweep(now);
  }

  stats(): CacheStats {
    this.#sweep(this.clock.now());
    return { entries: this.#entries.size, ...this.#stats };
  }

  clear(): void {
    this.#entries.clear();
    this.#stats = emptyStats();
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}
