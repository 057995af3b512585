import type { Logger } from 'pino';
import type { LlmCall } from './call.js';

/**
 * Prompt caching fails silently: a prefix under the model's minimum, or a
 * prefix that changes on every call, just reads 0 in both cache counters.
 * This watches real usage and warns once per model when a run of calls that
 * should have cached did not.
 */
export class CacheMonitor {
  private readonly zeroRuns = new Map<string, number>();
  private readonly warned = new Set<string>();

  constructor(
    private readonly logger: Logger,
    private readonly after = 3,
  ) {}

  observe(call: LlmCall, contextVersion: string): void {
    const key = `${call.model}|${contextVersion}`;
    if (call.cacheCreationTokens > 0 || call.cacheReadTokens > 0) {
      this.zeroRuns.set(key, 0);
      return;
    }
    const n = (this.zeroRuns.get(key) ?? 0) + 1;
    this.zeroRuns.set(key, n);
    if (n >= this.after && !this.warned.has(key)) {
      this.warned.add(key);
      this.logger.warn(
        { model: call.model, contextVersion, calls: n },
        'prompt cache is not being used: both cache counters were 0 on consecutive calls ' +
          '(prefix below the model minimum, or a prefix that changes per call). Every call pays full input price.',
      );
    }
  }

  hasWarned(model: string, contextVersion: string): boolean {
    return this.warned.has(`${model}|${contextVersion}`);
  }
}
