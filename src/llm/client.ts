import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import { NO_RETRIES, type RetryPolicy, retryMiddleware } from './retry.js';

export interface ClientOptions {
  apiKey?: string | undefined;
  baseURL?: string | undefined;
  timeoutMs: number;
  /** Retries of every call made through this client; none when unset. */
  retry?: RetryPolicy | undefined;
  /** Where each retry is logged (one warn line: attempt, status, waitMs). */
  logger?: Logger | undefined;
  fetch?: typeof fetch;
  /**
   * The SDK's OpenTelemetry spans and trace headers. Off unless asked for
   * (ANTHROPIC_OPEN_TELEMETRY): with no tracer registered they are pure cost
   * on every call (issue 13).
   */
  openTelemetry?: boolean | undefined;
}

/**
 * The one Anthropic client of a process. Retries happen in exactly one place:
 * the SDK's own loop, with `retryMiddleware` (src/llm/retry.ts) as its hook
 * for the wait cap, the batch-create rule and the log line — so every API
 * call, messages and batches alike, is retried the same way, and nothing
 * wraps another retry loop around it (BullMQ's attempts are for crashes).
 */
export function createAnthropic(opts: ClientOptions): Anthropic {
  const retry = opts.retry ?? NO_RETRIES;
  return new Anthropic({
    apiKey: opts.apiKey ?? 'simulator-local-key',
    baseURL: opts.baseURL ?? null,
    timeout: opts.timeoutMs,
    maxRetries: retry.maxRetries,
    middleware: [retryMiddleware(retry, opts.logger)],
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.openTelemetry ? {} : { openTelemetry: false as const }),
  });
}
