import Anthropic from '@anthropic-ai/sdk';

export interface ClientOptions {
  apiKey?: string | undefined;
  baseURL?: string | undefined;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/**
 * The one Anthropic client of a process. SDK retries are off: retries happen
 * in exactly one place, `withRetries` (src/llm/retry.ts), so they do not
 * multiply with our own loop or BullMQ's attempts.
 */
export function createAnthropic(opts: ClientOptions): Anthropic {
  return new Anthropic({
    apiKey: opts.apiKey ?? 'simulator-local-key',
    baseURL: opts.baseURL ?? null,
    timeout: opts.timeoutMs,
    maxRetries: 0,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
}
