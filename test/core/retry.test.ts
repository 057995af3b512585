import type Anthropic from '@anthropic-ai/sdk';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callTool } from '../../src/llm/call.js';
import { createAnthropic } from '../../src/llm/client.js';
import { PriceTable } from '../../src/llm/prices.js';
import { CreateOutcomeUnknownError, LlmError, type RetryPolicy } from '../../src/llm/retry.js';

/**
 * Retries live in one place — the SDK's loop with the hook in src/llm/retry.ts
 * — and every call goes through it: messages and each Message Batches
 * endpoint. Driven against the simulator's scripted faults and errors.
 */

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ noise: 0, batch: { processingMs: 0 } });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.clearRequests();
  sim.clearFaults();
});

interface RetryLine {
  msg: string;
  attempt: number;
  status: number | null;
  waitMs: number;
  method: string;
  path: string;
}

function setup(retry: RetryPolicy, fetchFn?: typeof fetch) {
  const lines: RetryLine[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const client = createAnthropic({
    baseURL: sim.url,
    timeoutMs: 10_000,
    retry,
    logger,
    ...(fetchFn ? { fetch: fetchFn } : {}),
  });
  const retries = () => lines.filter((l) => l.msg === 'anthropic call failed, retrying');
  return { client, lines, retries };
}

const MODEL = 'claude-haiku-4-5';
const tool: Anthropic.Tool = {
  name: 'record_note',
  description: 'Records a note.',
  input_schema: { type: 'object', properties: { note: { type: 'string' } }, required: ['note'] },
};

function call(client: Anthropic, signal?: AbortSignal) {
  return callTool(
    { client, prices: new PriceTable() },
    {
      model: MODEL,
      system: [{ type: 'text', text: 'Take notes.' }],
      tools: [tool],
      toolName: tool.name,
      messages: [{ role: 'user', content: 'Note: printer jammed.' }],
      maxTokens: 200,
      purpose: 'grade',
      tier: 'base',
      signal,
    },
  );
}

const fails = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('messages.create retries', () => {
  it('a transient error (529, 500) is retried and logged with attempt, status and wait', async () => {
    const { client, retries } = setup({ maxRetries: 2, maxWaitMs: 10 });
    sim.injectFaults('overloaded', 1);
    sim.injectFaults('serverError', 1);
    const reply = await call(client);
    expect(reply.call.outcome).toBe('ok');
    expect(sim.requests().map((r) => r.status)).toEqual([529, 500, 200]);
    expect(retries()).toMatchObject([
      { attempt: 1, status: 529, method: 'POST', path: '/v1/messages' },
      { attempt: 2, status: 500, method: 'POST', path: '/v1/messages' },
    ]);
    for (const line of retries()) expect(line.waitMs).toBeLessThanOrEqual(10);
  });

  it('a transient error that outlasts the retries is a retryable LlmError', async () => {
    const { client } = setup({ maxRetries: 2, maxWaitMs: 5 });
    sim.injectFaults('overloaded', 3);
    const err = await fails(call(client));
    expect(sim.requests()).toHaveLength(3);
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).retryable).toBe(true);
    expect((err as LlmError).status).toBe(529);
  });

  it('a permanent error (400) is not retried', async () => {
    const { client, retries } = setup({ maxRetries: 2, maxWaitMs: 10 });
    sim.injectError({ type: 'invalid_request_error', message: 'bad' });
    const err = await fails(call(client));
    expect(sim.requests()).toHaveLength(1);
    expect(retries()).toEqual([]);
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).retryable).toBe(false);
  });

  it('429 with retry-after: the server’s wait, capped at maxWaitMs', async () => {
    const { client, retries } = setup({ maxRetries: 2, maxWaitMs: 300 });
    sim.injectError({ type: 'rate_limit_error', headers: { 'retry-after': '30' } });
    sim.injectError({ type: 'rate_limit_error', headers: { 'retry-after-ms': '120' } });
    const started = Date.now();
    await call(client);
    const elapsed = Date.now() - started;
    expect(sim.requests().map((r) => r.status)).toEqual([429, 429, 200]);
    expect(retries().map((l) => [l.status, l.waitMs])).toEqual([
      [429, 300], // 30 s asked, capped
      [429, 120], // retry-after-ms honoured as is
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('x-should-retry decides: false is not retried (even a 529), true is (even a 400)', async () => {
    const { client, retries } = setup({ maxRetries: 2, maxWaitMs: 10 });
    sim.injectError({ type: 'overloaded_error', headers: { 'x-should-retry': 'false' } });
    const err = await fails(call(client));
    expect(sim.requests()).toHaveLength(1);
    expect(retries()).toEqual([]);
    expect((err as LlmError).retryable).toBe(false);

    sim.clearRequests();
    sim.injectError({ type: 'invalid_request_error', headers: { 'x-should-retry': 'true' } });
    await call(client);
    expect(sim.requests().map((r) => r.status)).toEqual([400, 200]);
  });

  it('a cancel while waiting to retry is final and a permanent LlmError, as a cancel during the request is', async () => {
    const { client } = setup({ maxRetries: 4, maxWaitMs: 60_000 });
    sim.injectError({ type: 'overloaded_error', headers: { 'retry-after': '30' } });
    const controller = new AbortController();
    const started = Date.now();
    // The job is cancelled (BullMQ aborts with its reason) once the wait has begun.
    const run = call(client, controller.signal);
    setTimeout(() => controller.abort('reviewer cancelled'), 100);
    const err = await fails(run);
    expect(Date.now() - started).toBeLessThan(5_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.requests()).toHaveLength(1); // no attempt after the cancel
    // Not the bare reason string: the processor would take that for a transient
    // failure and let BullMQ run the cancelled job again.
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).retryable).toBe(false);
    expect((err as LlmError).message).toMatch(/abort/i);
    expect((err as LlmError).message).toContain('reviewer cancelled');
  });
});

describe('Message Batches calls go through the same retries', () => {
  const requests = [
    {
      custom_id: 'r1',
      params: {
        model: MODEL,
        max_tokens: 100,
        messages: [{ role: 'user' as const, content: 'hello' }],
      },
    },
  ];

  it('retrieve, list (every page), results and cancel are retried and logged', async () => {
    const { client, retries } = setup({ maxRetries: 2, maxWaitMs: 5 });
    const a = await client.messages.batches.create({ requests });
    const b = await client.messages.batches.create({ requests });
    sim.clearRequests();

    sim.injectError({ type: 'api_error', method: 'GET', path: `/v1/messages/batches/${a.id}` });
    const got = await client.messages.batches.retrieve(a.id);
    expect(got.processing_status).toBe('ended');

    sim.injectError({ type: 'rate_limit_error', method: 'GET', count: 2 });
    const listed: string[] = [];
    for await (const batch of client.messages.batches.list({ limit: 1 })) listed.push(batch.id);
    expect(listed).toEqual(expect.arrayContaining([a.id, b.id]));

    sim.injectError({ type: 'overloaded_error', path: `/v1/messages/batches/${a.id}/results` });
    const ids: string[] = [];
    for await (const entry of await client.messages.batches.results(a.id))
      ids.push(entry.custom_id);
    expect(ids).toEqual(['r1']);

    sim.injectError({
      type: 'api_error',
      method: 'POST',
      path: `/v1/messages/batches/${b.id}/cancel`,
    });
    await client.messages.batches.cancel(b.id);

    expect(retries().map((l) => `${l.method} ${l.status}`)).toEqual([
      'GET 500',
      'GET 429',
      'GET 429',
      'GET 529',
      'POST 500',
    ]);
    expect(retries().map((l) => l.path)).toContain(`/v1/messages/batches/${b.id}/cancel`);
  });

  it('create is retried when refused (429, 529) but never after an answer that may follow a creation', async () => {
    const { client, retries } = setup({ maxRetries: 2, maxWaitMs: 5 });
    sim.injectError({ type: 'overloaded_error', method: 'POST', path: '/v1/messages/batches' });
    sim.injectError({ type: 'rate_limit_error', method: 'POST', path: '/v1/messages/batches' });
    const created = await client.messages.batches.create({ requests });
    expect(created.id).toMatch(/^msgbatch_/);
    expect(retries().map((l) => l.status)).toEqual([529, 429]);

    sim.clearRequests();
    sim.injectError({ type: 'api_error', method: 'POST', path: '/v1/messages/batches' });
    const err = await fails(client.messages.batches.create({ requests }));
    expect((err as { status?: number }).status).toBe(500);
    expect(sim.requests()).toHaveLength(1);
  });

  it('create is not sent again after a lost answer: the reconciler settles it', async () => {
    let creates = 0;
    const lost: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (init?.method === 'POST') {
        creates++;
        throw new TypeError('fetch failed: socket hang up');
      }
      return res;
    };
    const { client } = setup({ maxRetries: 2, maxWaitMs: 5 }, lost);
    const err = await fails(client.messages.batches.create({ requests }));
    expect(err).toBeInstanceOf(CreateOutcomeUnknownError);
    expect(creates).toBe(1);
  });
});
