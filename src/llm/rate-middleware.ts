import type { default as Anthropic, Middleware } from '@anthropic-ai/sdk';
import { modelOfBody } from './messages-body.js';
import type { RateLimiter } from './rate-limiter.js';
import type { Tokens } from './rate-script.js';

/**
 * The SDK middleware of src/llm/rate-limiter.ts: paces every attempt of
 * POST /v1/messages (retries included) and learns from every answer. Other
 * endpoints (batches, token counts) have their own limits and pass through.
 */
function rateMiddleware(limiter: RateLimiter): Middleware {
  return async (request, next, ctx) => {
    const opts = ctx.options;
    const body = opts?.body as { model?: unknown } | undefined;
    // A body sent as bytes (./messages-body.ts) names its model in a side table.
    const model = typeof body?.model === 'string' ? body.model : modelOfBody(opts?.body);
    if (opts?.method !== 'post' || opts.path !== '/v1/messages' || model === undefined)
      return next(request);
    const signal = opts.signal ?? undefined;
    let taken: Tokens | undefined;
    try {
      taken = await limiter.acquire(model, signal);
    } catch (err) {
      if (signal?.aborted) throw err;
      limiter.redisDown(err);
    }
    const response = await next(request);
    if (!taken) return response;
    if (response.status === 429) {
      await limiter
        .rateLimited(model, response.headers)
        .catch((err: unknown) => limiter.redisDown(err));
      return response;
    }
    let usage: { input: number; output: number } | undefined;
    if (response.ok) {
      const msg = await ctx.parse<{ usage?: Record<string, number | null | undefined> }>(response);
      const u = msg.usage;
      if (u)
        usage = {
          input: (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
          output: u.output_tokens ?? 0,
        };
    }
    await limiter
      .settle(model, taken, response.headers, usage)
      .catch((err: unknown) => limiter.redisDown(err));
    return response;
  };
}

/** A client like `client` whose every messages call is paced by `limiter` (the same retries). */
export function withRateLimiter(client: Anthropic, limiter: RateLimiter): Anthropic {
  return client.withOptions({ middleware: [...client.middleware, rateMiddleware(limiter)] });
}
