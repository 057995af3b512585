import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { type Job, UnrecoverableError } from 'bullmq';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAnthropic } from '../../src/llm/client.js';
import { LlmError } from '../../src/llm/retry.js';
import { qcContextOf } from '../../src/qc/context.js';
import { makeQcProcessor } from '../../src/qc/processor.js';
import { createRuntime } from '../../src/runtime.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { storeExamples } from '../helpers/pipeline.js';

/**
 * A grade that fails part-way still costs what its successful calls cost:
 * the base model answered (and was paid), then the tier-up to the strong
 * model failed. Those calls must be in agent_events, or spend, budgets and
 * cost per ticket are understated — and BullMQ's retry pays for them again.
 */

let db: TestDb;
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, noise: 0 });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await db?.drop();
});

/** Passes every request to the simulator except the strong model's, answered with `status`. */
function failingStrongModel(strongModel: string, status: number): typeof fetch {
  return async (input, init) => {
    // Messages bodies are sent as bytes (src/llm/messages-body.ts).
    const raw = init?.body;
    const body =
      typeof raw === 'string' || raw instanceof Uint8Array
        ? (JSON.parse(Buffer.from(raw).toString()) as { model?: string })
        : {};
    if (body.model === strongModel) {
      const type = status === 529 ? 'overloaded_error' : 'invalid_request_error';
      return new Response(JSON.stringify({ type: 'error', error: { type, message: type } }), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    }
    return fetch(input, init);
  };
}

async function gradeWithFailingTierUp(status: number) {
  db = await createTestDb();
  const config = testConfig({
    DATABASE_URL: db.url,
    ANTHROPIC_BASE_URL: sim.url,
    QC_SHADOW_RATE: '0',
    // Every verdict is below it: every ticket tiers up to the strong model.
    QC_MIN_CONFIDENCE: '0.99',
  });
  const rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool: db.pool });
  const [id] = await storeExamples(db, 1);
  const processor = makeQcProcessor({
    pool: db.pool,
    llm: {
      ...rt.llm,
      client: createAnthropic({
        baseURL: sim.url,
        timeoutMs: 10_000,
        fetch: failingStrongModel(config.QC_STRONG_MODEL, status),
        retry: { maxRetries: 0, maxWaitMs: 10 },
      }),
    },
    contexts: rt.contexts,
    settings: rt.settings,
    logger: rt.logger,
  });
  const t = await db.pool.query<{ content_hash: string }>(
    'SELECT content_hash FROM tickets WHERE id = $1',
    [id],
  );
  const ctx = qcContextOf(await rt.contexts.active());
  const job = {
    id: 'qc-paid-calls',
    queueName: 'qc',
    attemptsMade: 0,
    data: {
      ticketId: id,
      contentHash: t.rows[0]?.content_hash,
      contextVersion: ctx.version,
      via: 'realtime',
    },
  } as unknown as Job;
  const err = await processor(job).catch((e: unknown) => e);
  const calls = await db.pool.query<{
    model: string;
    purpose: string;
    cost_usd: string;
    ticket_id: number;
    job_id: string;
  }>(
    "SELECT model, purpose, cost_usd, ticket_id, job_id FROM agent_events WHERE kind = 'llm_call'",
  );
  const left = await db.pool.query<{ results: number; failures: string | null }>(
    `SELECT (SELECT count(*) FROM qc_results)::int AS results,
            (SELECT string_agg(category, ',') FROM agent_events WHERE kind = 'failure') AS failures`,
  );
  return { id, config, err, calls: calls.rows, left: left.rows[0] };
}

describe('a grade that fails after a paid call', () => {
  it('tier-up overloaded (529) → the job retries later, and the base call is recorded', async () => {
    const { id, config, err, calls, left } = await gradeWithFailingTierUp(529);
    expect(err).toBeInstanceOf(LlmError);
    expect((err as LlmError).retryable).toBe(true);
    expect(err).not.toBeInstanceOf(UnrecoverableError);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      model: config.QC_MODEL,
      purpose: 'grade',
      ticket_id: id,
      job_id: 'qc-paid-calls',
    });
    expect(Number(calls[0]?.cost_usd)).toBeGreaterThan(0);
    // No result, so no verdict and none of the grade's own failures; only the operational
    // one (issue 11), which the chief sends to an operator notice, never to a proposal.
    expect(left).toEqual({ results: 0, failures: 'api_error' });
  });

  it('tier-up refused (400) → the job fails at once, and the base call is recorded', async () => {
    const { err, calls, left } = await gradeWithFailingTierUp(400);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/400/);
    expect(calls.map((c) => c.purpose)).toEqual(['grade']);
    expect(left).toEqual({ results: 0, failures: 'api_error' });
  });
});
