import Anthropic, { type Middleware } from '@anthropic-ai/sdk';
import type { Logger } from 'pino';

/**
 * Retries of Anthropic API calls happen in one place: the SDK's own retry loop
 * (`maxRetries` on the client from `createAnthropic`), so every call — messages
 * and every Message Batches endpoint, list pages and results included — gets
 * them, with the SDK's `x-should-retry`, `retry-after-ms` and `retry-after`
 * handling and its cancel check after each backoff (an aborted call is not
 * tried again). `retryMiddleware` below is the hook on each attempt: it caps
 * the wait, keeps a batch create from being sent twice, and logs every retry.
 *
 * BullMQ's job attempts are for process-level failures (a crash, PostgreSQL
 * down): once a call has used its retries, `classify` tells the job whether
 * to wait (transient: BullMQ backoff, minutes later) or fail at once.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (the SDK's `maxRetries`). */
  maxRetries: number;
  /** Cap on any single wait, including a server's retry-after. */
  maxWaitMs: number;
}

/** No retries: a client that reports the first failure (tests, one-shot tools). */
export const NO_RETRIES: RetryPolicy = { maxRetries: 0, maxWaitMs: 0 };

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

/** The largest wait one timer can hold; the SDK ignores a retry-after above it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * retry-after-ms, else retry-after (seconds or HTTP date), in ms — read as the
 * SDK reads them. Undefined when absent, unparseable, not positive or too large.
 */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const raw = headers?.get('retry-after-ms');
  let ms = raw ? Number.parseFloat(raw) : Number.NaN;
  const ra = headers?.get('retry-after');
  if (!(ms > 0) && ra) {
    const seconds = Number.parseFloat(ra);
    ms = Number.isNaN(seconds) ? Date.parse(ra) - now : seconds * 1000;
  }
  return ms > 0 && ms <= MAX_TIMER_MS ? ms : undefined;
}

/**
 * Whether an error answer is worth another try: the server's `x-should-retry`
 * when it sends one, else 408, 409, 429 and 5xx. The SDK's rule, written once
 * here for the retry hook and for `classify`.
 */
function shouldRetry(status: number | undefined, headers: Headers | undefined): boolean {
  const told = headers?.get('x-should-retry');
  if (told === 'true') return true;
  if (told === 'false') return false;
  if (status === undefined) return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The SDK's default backoff before retry number `retry` (1-based): 0.5 s doubling to 8 s, up to 25 % less. */
function backoffMs(retry: number, random = Math.random): number {
  return Math.min(500 * 2 ** (retry - 1), 8_000) * (1 - random() * 0.25);
}

function isRetryable(err: unknown): boolean {
  if (err instanceof Anthropic.APIUserAbortError) return false;
  if (err instanceof Anthropic.APIConnectionError) return true; // includes timeouts
  if (err instanceof Anthropic.APIError) return shouldRetry(err.status, err.headers);
  return false;
}

/**
 * The error a caller sees once the SDK has given up. A cancel (before the
 * request, during it or while waiting to retry) is permanent and names the
 * abort reason: the processor would take a bare reason for a transient
 * failure and let BullMQ run the cancelled job again.
 */
export function classify(err: unknown, signal?: AbortSignal): LlmError {
  if (err instanceof LlmError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
    return new LlmError(`Request was aborted: ${reason}`, false, undefined, undefined, {
      cause: e,
    });
  }
  const status = err instanceof Anthropic.APIError ? err.status : undefined;
  const headers = err instanceof Anthropic.APIError ? err.headers : undefined;
  const what = status ? `Anthropic API ${status}` : e.name;
  return new LlmError(`${what}: ${e.message}`, isRetryable(err), status, retryAfterMs(headers), {
    cause: e,
  });
}

/**
 * A batch create that failed without an answer (connection lost, timeout):
 * the batch may exist. Not an APIConnectionError, so the SDK does not send it
 * again; the chunk stays `submitting` and reconcileSubmitting looks for it.
 */
export class CreateOutcomeUnknownError extends Anthropic.AnthropicError {
  override name = 'CreateOutcomeUnknownError';
  constructor(readonly original: unknown) {
    // No `cause` and no "timed out" in the text: either would put it back on the SDK's retry path.
    super('the batch create call got no answer; whether the batch was created is unknown');
  }
}

/**
 * POST /v1/messages/batches has no idempotency key: a second attempt after a
 * lost answer could create a second batch. It is retried only when the API
 * refused it outright (429, 529, or `x-should-retry: true`).
 */
function isBatchCreate(ctx: Parameters<Middleware>[2]): boolean {
  return ctx.options?.method === 'post' && ctx.options.path === '/v1/messages/batches';
}
const REFUSALS = new Set([429, 529]);

/**
 * Only ever given an answer that is not ok: those keep their body stream in
 * src/llm/http-fetch.ts (a successful JSON answer to a POST has none).
 */
function withHeaders(response: Response, set: Record<string, string>, drop: string[] = []) {
  const headers = new Headers(response.headers);
  for (const name of drop) headers.delete(name);
  for (const [name, value] of Object.entries(set)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

/**
 * The SDK middleware that is the retry hook. Per attempt it decides, by the
 * SDK's own rule (`shouldRetry`), whether the SDK will retry; if so it sets
 * `retry-after-ms` to the wait (the server's retry-after or the SDK's
 * backoff, capped at `maxWaitMs`) — which the SDK then sleeps, waking early
 * and stopping on a cancel — and logs one structured line.
 */
export function retryMiddleware(policy: RetryPolicy, logger?: Logger): Middleware {
  return async (request, next, ctx) => {
    const retry = Number(request.headers.get('x-stainless-retry-count') ?? 0) + 1;
    const retriesLeft = retry <= (ctx.options?.maxRetries ?? policy.maxRetries);
    const where = {
      method: request.method,
      path: ctx.options?.path ?? new URL(request.url).pathname,
    };
    const aborted = () => ctx.options?.signal?.aborted === true;
    let response: Response;
    try {
      response = await next(request);
    } catch (err) {
      if (aborted()) throw err;
      if (isBatchCreate(ctx)) throw new CreateOutcomeUnknownError(err);
      if (retriesLeft) {
        logger?.warn(
          {
            ...where,
            attempt: retry,
            status: null,
            waitMs: Math.round(Math.min(500 * 2 ** (retry - 1), 8_000)),
            err: err instanceof Error ? err.message : String(err),
          },
          'anthropic call failed, retrying',
        );
      }
      throw err;
    }
    if (response.ok) return response;
    const refused =
      REFUSALS.has(response.status) || response.headers.get('x-should-retry') === 'true';
    if (!shouldRetry(response.status, response.headers)) return response;
    if (isBatchCreate(ctx) && !refused) return withHeaders(response, { 'x-should-retry': 'false' });
    if (!retriesLeft || aborted()) return response;
    const asked = retryAfterMs(response.headers);
    const waitMs = Math.max(1, Math.round(Math.min(asked ?? backoffMs(retry), policy.maxWaitMs)));
    logger?.warn(
      {
        ...where,
        attempt: retry,
        status: response.status,
        waitMs,
        ...(asked !== undefined ? { retryAfterMs: Math.round(asked) } : {}),
        requestId: response.headers.get('request-id') ?? undefined,
      },
      'anthropic call failed, retrying',
    );
    return withHeaders(response, { 'x-should-retry': 'true', 'retry-after-ms': String(waitMs) }, [
      'retry-after',
    ]);
  };
}
