import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator, validateJson } from '../src/index.js';
import { client, qcRequest, verdictSchema } from './helpers.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function outcome(api: Anthropic) {
  return api.messages.create(qcRequest()).then(
    (message) => ({ ok: true as const, message }),
    (error: unknown) => ({
      ok: false as const,
      error: error as InstanceType<typeof Anthropic.APIError>,
    }),
  );
}

describe('fault injection', () => {
  it('overloaded → 529 overloaded_error; serverError → 500 api_error; then back to normal', async () => {
    sim = await startSimulator({ noise: 0 });
    const api = client(sim);
    sim.injectFaults('overloaded', 1);
    sim.injectFaults('serverError', 1);
    const a = await outcome(api);
    const b = await outcome(api);
    const c = await outcome(api);
    expect(a.ok ? 0 : a.error.status).toBe(529);
    expect(a.ok ? '' : a.error.type).toBe('overloaded_error');
    expect(b.ok ? 0 : b.error.status).toBe(500);
    expect(b.ok ? '' : b.error.type).toBe('api_error');
    expect(c.ok).toBe(true);
  });

  it('schemaBreak → a tool input that violates the schema (confidence a string, a required field gone)', async () => {
    sim = await startSimulator({ noise: 0 });
    sim.injectFaults('schemaBreak', 1);
    const message = await client(sim).messages.create(qcRequest());
    const block = message.content[0];
    expect(block?.type).toBe('tool_use');
    const input = (block as Anthropic.ToolUseBlock).input as Record<string, unknown>;
    expect(typeof input.confidence).toBe('string');
    expect(input.summary).toBeUndefined();
    expect(validateJson(input, verdictSchema()).length).toBeGreaterThan(0);
  });

  it('allNa → a schema-valid verdict with every criterion n/a, claiming pass / 100', async () => {
    sim = await startSimulator({ noise: 0 });
    sim.injectFaults('allNa', 1);
    const first = await client(sim).messages.create(qcRequest());
    const input = (first.content[0] as Anthropic.ToolUseBlock).input as {
      criteria: { result: string }[];
      outcome: string;
      score: number;
    };
    expect(validateJson(input, verdictSchema())).toEqual([]);
    expect(new Set(input.criteria.map((c) => c.result))).toEqual(new Set(['n/a']));
    expect([input.outcome, input.score]).toEqual(['pass', 100]);
    const next = await client(sim).messages.create(qcRequest());
    const again = (next.content[0] as Anthropic.ToolUseBlock).input as typeof input;
    expect(again.criteria.some((c) => c.result !== 'n/a')).toBe(true);
  });

  it('noTool → a text block only, stop_reason end_turn', async () => {
    sim = await startSimulator({ noise: 0 });
    sim.injectFaults('noTool', 1);
    const message = await client(sim).messages.create(qcRequest());
    expect(message.stop_reason).toBe('end_turn');
    expect(message.content.map((b) => b.type)).toEqual(['text']);
  });

  it('hang → the request is held until the client times out, and close() releases hung requests', async () => {
    sim = await startSimulator({ noise: 0, faults: { hangMs: 600_000 } });
    sim.injectFaults('hang', 2);
    const timedOut = await new Anthropic({
      apiKey: 'k',
      baseURL: sim.url,
      maxRetries: 0,
      timeout: 300,
    }).messages
      .create(qcRequest())
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    const hung = client(sim)
      .messages.create(qcRequest())
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.requests().at(-1)?.status).toBeNull();
    const started = Date.now();
    await sim.close();
    expect(await hung).toBeInstanceOf(Anthropic.APIConnectionError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('hang ends with a normal answer after hangMs', async () => {
    sim = await startSimulator({ noise: 0, faults: { hangMs: 150 } });
    sim.injectFaults('hang', 1);
    const started = Date.now();
    const message = await client(sim).messages.create(qcRequest());
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('rate-based faults are deterministic for a seed', async () => {
    const run = async () => {
      const s = await startSimulator({
        seed: 7,
        noise: 0,
        faults: { overloaded: 0.3, serverError: 0.2 },
      });
      const api = client(s);
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const r = await outcome(api);
        statuses.push(r.ok ? 200 : (r.error.status ?? 0));
      }
      await s.close();
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(first).toContain(200);
    expect(first.some((s) => s === 529 || s === 500)).toBe(true);
  });

  it('answers 429 rate_limit_error with retry-after past the requests-per-minute limit', async () => {
    sim = await startSimulator({ noise: 0, rateLimits: { requestsPerMinute: 2 } });
    const api = client(sim);
    const first = await api.messages.create(qcRequest()).withResponse();
    expect(first.response.headers.get('anthropic-ratelimit-requests-limit')).toBe('2');
    expect(first.response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('1');
    await api.messages.create(qcRequest());
    const limited = await outcome(api);
    expect(limited.ok).toBe(false);
    if (limited.ok) return;
    expect(limited.error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(limited.error.type).toBe('rate_limit_error');
    const retryAfter = Number(limited.error.headers?.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    sim.clock.advance(61_000);
    expect((await outcome(api)).ok).toBe(true);
  });

  it("refills continuously like the API's token bucket: retry-after is one refill, not the rest of a minute", async () => {
    sim = await startSimulator({ noise: 0, rateLimits: { requestsPerMinute: 60 } });
    const api = client(sim);
    // The full bucket (60) goes first; real time passing meanwhile may refill one or two more.
    let limited = await outcome(api);
    let admitted = 0;
    while (limited.ok && admitted < 120) {
      admitted++;
      limited = await outcome(api);
    }
    expect(admitted).toBeGreaterThanOrEqual(60);
    expect(admitted).toBeLessThan(120);
    if (limited.ok) return;
    // 60 per minute refill one a second: the wait is about a second, not ~60 s.
    expect(Number(limited.error.headers?.get('retry-after'))).toBe(1);
    const reset = Date.parse(
      limited.error.headers?.get('anthropic-ratelimit-requests-reset') ?? '',
    );
    expect(reset - sim.clock.now()).toBeGreaterThan(55_000);
    sim.clock.advance(1_000);
    expect((await outcome(api)).ok).toBe(true);
  });

  it('answers 429 past the input-tokens-per-minute limit', async () => {
    sim = await startSimulator({ noise: 0 });
    const api = client(sim);
    // Room for two requests and not three, whatever the size of context/'s vocabulary.
    const { max_tokens: _, ...request } = qcRequest();
    const { input_tokens } = await api.messages.countTokens(request);
    sim.setOptions({ rateLimits: { inputTokensPerMinute: Math.floor(input_tokens * 2.5) } });
    expect((await outcome(api)).ok).toBe(true);
    expect((await outcome(api)).ok).toBe(true);
    const limited = await outcome(api);
    expect(limited.ok ? 0 : limited.error.status).toBe(429);
  });
});
