import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { LlmError, withRetries } from '../../src/llm/retry.js';

/** A 529 as the SDK throws it. */
const overloaded = () =>
  Anthropic.APIError.generate(
    529,
    { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    'Overloaded',
    new Headers(),
  );

describe('withRetries', () => {
  it('a cancel while waiting to retry is a permanent LlmError, as a cancel during the request is', async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = withRetries(
      { maxRetries: 4, maxWaitMs: 60_000, baseDelayMs: 30_000 },
      async () => {
        calls++;
        // The job is cancelled (BullMQ aborts with its reason) once the wait has begun.
        setTimeout(() => controller.abort('reviewer cancelled'), 20);
        throw overloaded();
      },
      controller.signal,
    );
    const err = await run.catch((e: unknown) => e);
    expect(calls).toBe(1);
    // Not the bare reason string: the processor would take that for a transient
    // failure and let BullMQ run the cancelled job again.
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).retryable).toBe(false);
    expect((err as LlmError).message).toMatch(/abort/i);
    expect((err as LlmError).message).toContain('reviewer cancelled');
  });

  it('a transient error is still retried, and a permanent one is not', async () => {
    let n = 0;
    const sleep = async () => undefined;
    const ok = await withRetries({ maxRetries: 2, maxWaitMs: 10, sleep }, async () => {
      if (++n < 3) throw overloaded();
      return 'ok';
    });
    expect([ok, n]).toEqual(['ok', 3]);
    let m = 0;
    const bad = await withRetries({ maxRetries: 2, maxWaitMs: 10, sleep }, async () => {
      m++;
      throw Anthropic.APIError.generate(
        400,
        { type: 'error', error: { type: 'invalid_request_error', message: 'bad' } },
        'bad',
        new Headers(),
      );
    }).catch((e: unknown) => e);
    expect(m).toBe(1);
    expect((bad as LlmError).retryable).toBe(false);
  });
});
