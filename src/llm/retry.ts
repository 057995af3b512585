import Anthropic from '@anthropic-ai/sdk';
import { toError } from '../logger.js';

/**
 * The single retry layer for Anthropic API errors. The SDK's own retries are
 * disabled (maxRetries: 0) and BullMQ's job attempts are for process-level
 * failures (a crash, PostgreSQL down): if a call still fails here after
 * `maxRetries`, the error is classified so the job either waits (transient:
 * BullMQ backoff, minutes later) or fails at once (permanent).
 */

export interface RetryPolicy {
  maxRetries: number;
  /** Cap on any single wait, including a server's retry-after. */
  maxWaitMs: number;
  baseDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onRetry?: (info: { attempt: number; waitMs: number; error: Error }) => void;
}

export class LlmError extends Error {
  override name = 'LlmError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | undefined,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function headerOf(err: unknown, name: string): string | null {
  if (err instanceof Anthropic.APIError && err.headers) return err.headers.get(name);
  return null;
}

/** retry-after (seconds or HTTP date) or retry-after-ms, in ms. */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const ms = headerOf(err, 'retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const ra = headerOf(err, 'retry-after');
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra)) return Number(ra) * 1000;
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Which API errors are worth another try. 400/401/403/404 are not: they will not heal. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof Anthropic.APIUserAbortError) return false;
  if (err instanceof Anthropic.APIConnectionError) return true; // includes timeouts
  if (err instanceof Anthropic.APIError) {
    const s = err.status ?? 0;
    return s === 408 || s === 409 || s === 429 || s >= 500;
  }
  return false;
}

export function classify(err: unknown): LlmError {
  if (err instanceof LlmError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const status = err instanceof Anthropic.APIError ? err.status : undefined;
  const what = status ? `Anthropic API ${status}` : e.name;
  return new LlmError(`${what}: ${e.message}`, isRetryable(err), status, retryAfterMs(err), {
    cause: e,
  });
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
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

export async function withRetries<T>(
  policy: RetryPolicy,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const sleep = policy.sleep ?? defaultSleep;
  const base = policy.baseDelayMs ?? 500;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (raw) {
      const err = classify(raw);
      if (!err.retryable || attempt >= policy.maxRetries || signal?.aborted) throw err;
      const backoff = Math.min(base * 2 ** attempt, policy.maxWaitMs);
      const jittered = backoff / 2 + Math.random() * (backoff / 2);
      const waitMs = Math.min(err.retryAfterMs ?? jittered, policy.maxWaitMs);
      policy.onRetry?.({ attempt: attempt + 1, waitMs, error: err });
      try {
        await sleep(waitMs, signal);
      } catch (reason) {
        // Cancelled while waiting to retry: the same permanent error as a
        // cancel during the request (APIUserAbortError), not the bare abort
        // reason, which callers would take for a transient failure and retry.
        throw new LlmError(
          `Request was aborted while waiting to retry: ${toError(reason).message}`,
          false,
          undefined,
          undefined,
          { cause: reason },
        );
      }
    }
  }
}
