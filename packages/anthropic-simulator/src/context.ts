import type { IncomingMessage, ServerResponse } from 'node:http';
import { BatchStore } from './batches.js';
import { createClock, type SimClock } from './clock.js';
import type { EngineDeps } from './engine.js';
import { FaultInjector } from './faults.js';
import { mergeOptions, type SimulatorOptions, type SimulatorOptionsPatch } from './options.js';
import { mulberry32 } from './prng.js';
import { PromptCache } from './prompt-cache.js';
import { RateLimiter } from './rate-limit.js';
import { RequestLog } from './request-log.js';
import { createTokenCounter, type TokenCounter } from './tokens.js';
import { ToolRegistry } from './tools.js';
import { Waiters } from './waiters.js';

/** Everything one simulator instance holds; created per instance, never shared. */
export interface SimContext {
  options(): SimulatorOptions;
  setOptions(patch: SimulatorOptionsPatch): SimulatorOptions;
  clock: SimClock;
  tokens: TokenCounter;
  cache: PromptCache;
  limiter: RateLimiter;
  faults: FaultInjector;
  /** Seeded draws for latency jitter (separate from the fault draws). */
  jitter(): number;
  tools: ToolRegistry;
  log: RequestLog;
  batches: BatchStore;
  waiters: Waiters;
  engine: EngineDeps;
}

/** One request being answered. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  url: URL;
  params: string[];
  body: unknown;
  /** Aborted when the client goes away or the simulator closes. */
  signal: AbortSignal;
  /** Scheme, host and port the client used, for absolute URLs (results_url). */
  baseUrl: string;
}

export type Handler = (sim: SimContext, ex: Exchange) => Promise<void> | void;

export function createContext(
  initial: SimulatorOptions,
  clock: SimClock = createClock(),
): SimContext {
  let options = initial;
  let jitter = mulberry32(initial.seed ^ 0x5eed);
  const tokens = createTokenCounter();
  const cache = new PromptCache(clock, () => ({
    ttl5mMs: options.cacheTtlMs,
    ttl1hMs: options.cacheTtl1hMs,
  }));
  const tools = new ToolRegistry();
  const faults = new FaultInjector(initial.seed);
  const engine: EngineDeps = { tokens, cache, tools, options: () => options };
  return {
    options: () => options,
    setOptions(patch) {
      const seedChanged = patch.seed !== undefined && patch.seed !== options.seed;
      options = mergeOptions(options, patch);
      if (seedChanged) {
        faults.reseed(options.seed);
        jitter = mulberry32(options.seed ^ 0x5eed);
      }
      return options;
    },
    clock,
    tokens,
    cache,
    limiter: new RateLimiter(clock, () => options.rateLimits),
    faults,
    jitter: () => jitter(),
    tools,
    log: new RequestLog(() => options.requestLogLimit),
    batches: new BatchStore(clock, engine),
    waiters: new Waiters(),
    engine,
  };
}
