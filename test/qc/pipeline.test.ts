import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import type { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readContextDir } from '../../src/context/files.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { costOf, PriceTable } from '../../src/llm/prices.js';
import { estimateTokens } from '../../src/llm/tokens.js';
import { makeQcProcessor } from '../../src/qc/processor.js';
import type { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import {
  inFlight,
  loadExamples,
  type Pipeline,
  startPipeline,
  storeExamples,
  waitFor,
} from '../helpers/pipeline.js';

let db: TestDb;
let sim: Simulator;
let p: Pipeline | undefined;

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, noise: 0 });
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  await p?.close();
  p = undefined;
  await db?.drop();
  sim.setOptions({
    faults: { overloaded: 0, serverError: 0, schemaBreak: 0, noTool: 0, hang: 0 },
    latencyMs: 0,
  });
  sim.clearRequests();
});

/** The same ids and machine-readable lines as context/, none of the prose: far below 4,096 tokens. */
async function thinContextDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tqc-ctx-'));
  for (const [file, text] of await readContextDir('context')) {
    const keep = text
      .split('\n')
      .filter((l) => /^## |^(Weight|Auto-fail|Second opinion):|^- `/.test(l));
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), `${keep.join('\n')}\n`);
  }
  return dir;
}

async function resultsFor(ids: number[]) {
  const r = await db.pool.query<{ ticket_id: number; n: number }>(
    'SELECT ticket_id, count(*)::int AS n FROM qc_results WHERE ticket_id = ANY($1::bigint[]) GROUP BY ticket_id',
    [ids],
  );
  return r.rows;
}

describe('a ticket on the queue becomes a stored, costed, validated verdict', () => {
  it('50 examples enqueued → 50 results, costs = usage × price table, cache reads from the second call', async () => {
    db = await createTestDb();
    p = await startPipeline(db, sim.url);
    const ids = await storeExamples(db, 50);
    await p.startWorker({ concurrency: 4 });
    await p.enqueue(ids);
    await waitFor(
      '50 results',
      async () => ((await resultsFor(ids)).length === 50 ? true : undefined),
      60_000,
    );

    const rows = await resultsFor(ids);
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.n === 1)).toBe(true);

    const prices = new PriceTable();
    const calls = await db.pool.query<{
      id: number;
      model: string;
      input_tokens: number;
      output_tokens: number;
      cache_creation_input_tokens: number;
      cache_read_input_tokens: number;
      cost_usd: string;
      ticket_id: number;
    }>("SELECT * FROM agent_events WHERE kind = 'llm_call' ORDER BY id");
    expect(calls.rows.length).toBeGreaterThanOrEqual(50);
    for (const c of calls.rows) {
      const expected = costOf(prices.get(c.model), {
        input_tokens: c.input_tokens,
        output_tokens: c.output_tokens,
        cache_creation_input_tokens: c.cache_creation_input_tokens,
        cache_read_input_tokens: c.cache_read_input_tokens,
      });
      expect(Number(c.cost_usd)).toBeCloseTo(expected, 8);
      expect(Number(c.cost_usd)).toBeGreaterThan(0);
    }
    // The first call per model writes the cache; every later call reads it.
    const haiku = calls.rows.filter((c) => c.model === p?.config.QC_MODEL);
    // Rows are written as calls finish: under load a concurrent call that read
    // the cache can be stored before the one that wrote it, so the write is
    // among the first four (the worker's concurrency), not always the first.
    expect(
      Math.max(...haiku.slice(0, 4).map((c) => c.cache_creation_input_tokens)),
    ).toBeGreaterThan(4096);
    const later = haiku.slice(4); // the first few run concurrently and may all write
    expect(later.every((c) => c.cache_read_input_tokens > 4096)).toBe(true);
    // The uncached input is about the ticket's size, not the context's.
    for (const c of later.slice(0, 10)) {
      const t = await db.pool.query<{ ticket: unknown }>(
        'SELECT ticket FROM tickets WHERE id = $1',
        [c.ticket_id],
      );
      const ticketTokens = estimateTokens(JSON.stringify(t.rows[0]?.ticket));
      expect(c.input_tokens).toBeGreaterThan(ticketTokens * 0.5);
      expect(c.input_tokens).toBeLessThan(ticketTokens * 2 + 400);
    }
    // One verdict event per result; result costs equal the sum of their calls.
    const verdicts = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM agent_events WHERE kind = 'verdict'",
    );
    expect(verdicts.rows[0]?.n).toBe(50);
    const sums = await db.pool.query<{ diff: string }>(
      `SELECT abs(sum(r.cost_usd) - (SELECT sum(cost_usd) FROM agent_events WHERE kind = 'llm_call')) AS diff FROM qc_results r`,
    );
    expect(Number(sums.rows[0]?.diff)).toBeLessThan(1e-6);
  });

  it('schema-breaking output on the first call → repaired; the verdict is valid and both calls are costed', async () => {
    db = await createTestDb();
    p = await startPipeline(db, sim.url);
    const [id] = await storeExamples(db, 1);
    sim.injectFaults('schemaBreak', 1);
    await p.startWorker({ concurrency: 1 });
    await p.enqueue([id as number]);
    await waitFor('a result', async () =>
      (await resultsFor([id as number])).length ? true : undefined,
    );
    const calls = await db.pool.query<{
      purpose: string;
      cost_usd: string;
      details: { outcome: string };
    }>("SELECT purpose, cost_usd, details FROM agent_events WHERE kind = 'llm_call' ORDER BY id");
    expect(calls.rows.map((c) => c.purpose)).toEqual(['grade', 'repair']);
    expect(calls.rows[0]?.details.outcome).toBe('invalid');
    expect(calls.rows.every((c) => Number(c.cost_usd) > 0)).toBe(true);
    const failure = await db.pool.query(
      "SELECT category FROM agent_events WHERE kind = 'failure' AND category = 'schema_invalid'",
    );
    expect(failure.rowCount).toBe(1);
    const result = await db.pool.query<{ verdict: { criteria: unknown[] } }>(
      'SELECT verdict FROM qc_results',
    );
    expect(result.rows[0]?.verdict.criteria).toHaveLength(10);
  });

  it('output still invalid after the repair → tier-up to the strong model', async () => {
    db = await createTestDb();
    p = await startPipeline(db, sim.url);
    const [id] = await storeExamples(db, 1);
    sim.injectFaults('noTool', 1);
    sim.injectFaults('schemaBreak', 1);
    await p.startWorker({ concurrency: 1 });
    await p.enqueue([id as number]);
    await waitFor('a result', async () =>
      (await resultsFor([id as number])).length ? true : undefined,
    );
    const r = await db.pool.query<{ model: string; tier: string; tier_reason: string }>(
      'SELECT model, tier, tier_reason FROM qc_results',
    );
    expect(r.rows[0]).toMatchObject({
      model: p.config.QC_STRONG_MODEL,
      tier: 'strong',
      tier_reason: 'schema_invalid',
    });
    const calls = await db.pool.query<{ model: string; purpose: string }>(
      "SELECT model, purpose FROM agent_events WHERE kind = 'llm_call' ORDER BY id",
    );
    expect(calls.rows.map((c) => c.purpose)).toEqual(['grade', 'repair', 'tier_up']);
    expect(calls.rows[2]?.model).toBe(p.config.QC_STRONG_MODEL);
  });

  it('529 and 500 bursts → retried and graded', async () => {
    db = await createTestDb();
    p = await startPipeline(db, sim.url);
    const ids = await storeExamples(db, 3);
    sim.injectFaults('overloaded', 3);
    sim.injectFaults('serverError', 3);
    await p.startWorker({ concurrency: 1 });
    await p.enqueue(ids);
    // Five failed calls exhaust one job's SDK retries: BullMQ's own retry (after
    // a 5 s backoff) is run at once — the backoff is not what is tested here.
    await waitFor('3 results', async () => {
      await p?.queue.promoteJobs();
      return (await resultsFor(ids)).length === 3 ? true : undefined;
    });
    const statuses = sim
      .requests()
      .filter((r) => r.path === '/v1/messages')
      .map((r) => r.status);
    expect(statuses.filter((s) => s === 529)).toHaveLength(3);
    expect(statuses.filter((s) => s === 500)).toHaveLength(3);
    expect(p.logs.some((l) => l.msg === 'anthropic call failed, retrying')).toBe(true);
  });

  it('when attempts run out the job is in the failed set with its reason, and nothing half-written remains', async () => {
    db = await createTestDb();
    p = await startPipeline(db, sim.url, { QC_JOB_ATTEMPTS: '2', ANTHROPIC_MAX_RETRIES: '1' });
    const [id] = await storeExamples(db, 1);
    sim.setOptions({ faults: { overloaded: 1 } });
    // BullMQ backs off 5 s between attempts (run at once here: promoted); the
    // worker's own retries are capped at 200 ms.
    await p.startWorker({ concurrency: 1 });
    const [jobId] = await p.enqueue([id as number]);
    const job = await waitFor(
      'the job to fail',
      async () => {
        await p?.queue.promoteJobs();
        const j = await p?.queue.getJob(jobId as string);
        // Re-read after the state check: the first read may predate the failure.
        return j && (await j.isFailed()) ? await p?.queue.getJob(jobId as string) : undefined;
      },
      30_000,
    );
    expect(job.failedReason).toMatch(/529|overloaded/i);
    expect(job.attemptsMade).toBe(2);
    const left = await db.pool.query(
      `SELECT (SELECT count(*) FROM qc_results)::int AS results, (SELECT count(*) FROM escalations)::int AS esc,
              (SELECT count(*) FROM agent_events WHERE kind <> 'failure')::int AS events,
              (SELECT string_agg(category, ',') FROM agent_events WHERE kind = 'failure') AS failures`,
    );
    // Only the operational failure of each attempt (issue 11: for an operator notice, never a proposal).
    expect(left.rows[0]).toEqual({
      results: 0,
      esc: 0,
      events: 0,
      failures: 'api_error,api_error',
    });
    const t = await db.pool.query<{ qc_status: string }>(
      'SELECT qc_status FROM tickets WHERE id = $1',
      [id],
    );
    expect(t.rows[0]?.qc_status).not.toBe('graded');
  });

  it('the same job delivered twice → one result', async () => {
    db = await createTestDb();
    p = await startPipeline(db, sim.url);
    const [id] = await storeExamples(db, 1);
    const first = await p.enqueue([id as number]);
    expect(await p.enqueue([id as number])).toEqual(first); // same version → same job id
    expect(await p.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    // A stalled job is redelivered while the first delivery is still running:
    // run the real processor twice at once on the same job.
    const job = await p.queue.getJob(first[0] as string);
    const processor = makeQcProcessor({
      pool: db.pool,
      llm: p.rt.llm,
      contexts: p.rt.contexts,
      settings: p.rt.settings,
      logger: p.rt.logger,
    });
    sim.setOptions({ latencyMs: 100 });
    const [a, b] = await Promise.all([processor(job as Job), processor(job as Job)]);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    expect(await resultsFor([id as number])).toEqual([{ ticket_id: id, n: 1 }]);
    const ev = await db.pool.query<{ kind: string; n: number }>(
      'SELECT kind, count(*)::int AS n FROM agent_events GROUP BY kind ORDER BY kind',
    );
    const counts = Object.fromEntries(ev.rows.map((r) => [r.kind, r.n]));
    expect(counts.verdict).toBe(1);
    // Both deliveries called the model; both calls cost money and are recorded.
    expect(counts.llm_call).toBe(2);
    // A third delivery after the result exists does not call the model at all.
    const before = sim.requests().length;
    const c = await processor(job as Job);
    expect(c).toMatchObject({ duplicate: true, skipped: true });
    expect(sim.requests().length).toBe(before);
  });

  it('warns at start-up when the context is below the model’s cache minimum', async () => {
    db = await createTestDb({ contextDir: await thinContextDir() });
    p = await startPipeline(db, sim.url);
    await p.startWorker();
    const warning = p.logs.find((l) => l.level === 40 && /minimum\s+cacheable prefix/.test(l.msg));
    expect(warning, JSON.stringify(p.logs.map((l) => l.msg))).toBeDefined();
    expect(warning?.model).toBe(p.config.QC_MODEL);
  });

  it('warns at run time when real usage shows both cache counters at 0', async () => {
    // Our estimate says the prefix is cacheable (minimum lowered by QC_PRICES), but
    // the API side does not cache it: only the usage numbers can reveal that.
    db = await createTestDb({ contextDir: await thinContextDir() });
    p = await startPipeline(db, sim.url, {
      QC_PRICES: JSON.stringify({ 'claude-haiku-4-5': { minCacheTokens: 100 } }),
    });
    const ids = await storeExamples(db, 4);
    await p.startWorker({ concurrency: 1 });
    expect(
      p.logs.some(
        (l) => /minimum\s+cacheable prefix/.test(l.msg) && l.model === p?.config.QC_MODEL,
      ),
    ).toBe(false);
    await p.enqueue(ids);
    await waitFor('4 results', async () =>
      (await resultsFor(ids)).length === 4 ? true : undefined,
    );
    const zero = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM agent_events WHERE kind = 'llm_call' AND cache_read_input_tokens = 0 AND cache_creation_input_tokens = 0",
    );
    expect(zero.rows[0]?.n).toBeGreaterThanOrEqual(3);
    const warning = p.logs.find(
      (l) => l.level === 40 && /prompt cache is not being used/.test(l.msg),
    );
    expect(warning?.model).toBe(p.config.QC_MODEL);
  });

  it('cancelling a job aborts its model request through the job’s AbortSignal', async () => {
    db = await createTestDb();
    p = await startPipeline(db, sim.url);
    const [id] = await storeExamples(db, 1);
    sim.injectFaults('hang', 1); // the simulator holds the request (10 minutes by default)
    const worker = await p.startWorker({ concurrency: 1 });
    const [jobId] = await p.enqueue([id as number]);
    await waitFor('the job to be active', async () => (await p?.queue.getActiveCount()) === 1);
    await waitFor('its model request in flight', async () => inFlight(sim) === 1);
    const started = Date.now();
    expect(worker.cancelJob(jobId as string, 'reviewer cancelled')).toBe(true);
    const job = await waitFor('the job to fail', async () => {
      const j = await p?.queue.getJob(jobId as string);
      // Re-read after the state check: the first read may predate the failure.
      return j && (await j.isFailed()) ? await p?.queue.getJob(jobId as string) : undefined;
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(job.failedReason).toMatch(/abort/i);
    const results = await db.pool.query('SELECT 1 FROM qc_results');
    expect(results.rowCount).toBe(0);
  });

  it('a job for a version that is no longer the latest is not graded', async () => {
    db = await createTestDb();
    p = await startPipeline(db, sim.url);
    const [first] = await loadExamples(1);
    const v1 = first?.ticket as Ticket;
    const v2: Ticket = {
      ...v1,
      status: 'open',
      updatedAt: new Date(Date.parse(v1.updatedAt) + 60_000).toISOString(),
    };
    const old = await upsertTicket(db.pool, v1);
    await upsertTicket(db.pool, v2);
    await p.startWorker({ concurrency: 1 });
    const [jobId] = await p.enqueue([old.id]);
    await waitFor('the job to complete', async () => {
      const j = await p?.queue.getJob(jobId as string);
      return j && (await j.isCompleted()) ? true : undefined;
    });
    expect(await resultsFor([old.id])).toEqual([]);
    const t = await db.pool.query<{ qc_status: string }>(
      'SELECT qc_status FROM tickets WHERE id = $1',
      [old.id],
    );
    expect(t.rows[0]?.qc_status).toBe('superseded');
    expect(sim.requests().filter((r) => r.path === '/v1/messages')).toHaveLength(0);
  });
});
