import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordOrphanedAttempts } from '../../src/db/attempts.js';
import { callTool } from '../../src/llm/call.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import {
  type Pipeline,
  spawnWorker,
  startPipeline,
  storeExamples,
  waitFor,
} from '../helpers/pipeline.js';

/**
 * Issue 10, defect 3: a paid model call in flight on a killed worker was never
 * recorded. Every call now has an attempt row written before it; an attempt
 * nobody recorded is recorded by the reconciler, at its real cost when the
 * answer had arrived, else at an estimate marked as such.
 */

let db: TestDb;
let sim: Simulator;
let p: Pipeline;

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, noise: 0 });
  db = await createTestDb();
  p = await startPipeline(db, sim.url);
});
afterAll(async () => {
  await p?.close();
  await db?.drop();
  await sim?.close();
});

const answered = () =>
  sim.requests().filter((r) => r.path === '/v1/messages' && r.status === 200).length;

async function llmCalls() {
  const r = await db.pool.query<{ cost_usd: string; details: Record<string, unknown> }>(
    "SELECT cost_usd, details FROM agent_events WHERE kind = 'llm_call' ORDER BY id",
  );
  return r.rows;
}

describe('paid calls and their attempts', () => {
  it('a normal grade records each call once and leaves no orphan', async () => {
    sim.clearRequests();
    const [id] = await storeExamples(db, 1);
    await p.startWorker({ concurrency: 1 });
    await p.enqueue([id as number]);
    await waitFor('graded', async () => {
      const r = await db.pool.query('SELECT 1 FROM qc_results WHERE ticket_id = $1', [id]);
      return (r.rowCount ?? 0) > 0;
    });
    await p.worker?.close();
    p.worker = undefined;
    const calls = await llmCalls();
    expect(calls.length).toBe(answered());
    expect(calls.every((c) => typeof c.details.attemptId === 'number')).toBe(true);
    const open = await db.pool.query("SELECT 1 FROM llm_attempts WHERE state <> 'recorded'");
    expect(open.rowCount).toBe(0);
    expect(await recordOrphanedAttempts(db.pool, 0)).toEqual({
      answered: 0,
      estimated: 0,
      costUsd: 0,
    });
    expect((await llmCalls()).length).toBe(calls.length);
  });

  it('an answer whose process dies before recording it is recorded at its real cost', async () => {
    const ctxBlocks = [{ type: 'text' as const, text: 'You grade tickets.' }];
    const reply = await callTool(p.rt.llm, {
      model: p.config.QC_MODEL,
      system: ctxBlocks,
      tools: [
        {
          name: 'record_verdict',
          description: 'record',
          input_schema: { type: 'object', properties: {} },
        },
      ],
      toolName: 'record_verdict',
      messages: [{ role: 'user', content: 'hello' }],
      maxTokens: 256,
      purpose: 'grade',
      tier: 'base',
    });
    // ...and nothing records it (the process "dies" here).
    const before = (await llmCalls()).length;
    const o = await recordOrphanedAttempts(db.pool, 0);
    expect(o).toMatchObject({ answered: 1, estimated: 0 });
    const calls = await llmCalls();
    expect(calls.length).toBe(before + 1);
    const last = calls.at(-1);
    expect(Number(last?.cost_usd)).toBeCloseTo(reply.call.costUsd, 8);
    expect(last?.details.estimated).toBeUndefined();
    expect(last?.details.attemptId).toBe(reply.call.attemptId);
  });

  it('a call in flight on a worker killed with SIGKILL is recorded, with an estimate marked as such', async () => {
    sim.clearRequests();
    const before = (await llmCalls()).length;
    // Slow answers: the call is in flight long enough to kill its worker.
    sim.setOptions({ latencyMs: 4_000 });
    try {
      const ids = await storeExamples(db, 3);
      const w = spawnWorker(p, db.url, sim.url, { QC_CONCURRENCY: '1', LOG_LEVEL: 'info' });
      await p.enqueue([ids[2] as number]);
      await waitFor(
        'an open attempt',
        async () =>
          ((await db.pool.query("SELECT 1 FROM llm_attempts WHERE state = 'open'")).rowCount ?? 0) >
          0,
      );
      await waitFor('the request at the API', async () =>
        sim.requests().some((r) => r.path === '/v1/messages'),
      );
      w.kill('SIGKILL');
      await w.exited;
    } finally {
      sim.setOptions({ latencyMs: 0 });
    }
    expect((await llmCalls()).length).toBe(before);
    const o = await recordOrphanedAttempts(db.pool, 0);
    expect(o.estimated).toBe(1);
    const calls = await llmCalls();
    // The request reached the API and was cut off: the real API may bill it,
    // so it is recorded (the simulator gave up on it when the socket closed).
    const reached = sim.requests().filter((r) => r.path === '/v1/messages');
    expect(reached.length).toBe(1);
    expect(reached[0]?.status).toBeNull();
    expect(calls.length - before).toBe(1);
    const est = calls.at(-1);
    expect(est?.details).toMatchObject({ estimated: true });
    // An upper bound: at least what the answered call would have cost.
    expect(Number(est?.cost_usd)).toBeGreaterThan(0);
  });
  it('an answer held for the grade statement survives a worker killed before that statement', async () => {
    sim.clearRequests();
    const before = (await llmCalls()).length;
    const [id] = await storeExamples(db, 4).then((ids) => ids.slice(3));
    // The grade statement waits on this lock: the worker is killed holding the answer.
    const blocker = await db.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE qc_results IN SHARE MODE');
      const w = spawnWorker(p, db.url, sim.url, { QC_CONCURRENCY: '1', LOG_LEVEL: 'info' });
      await p.enqueue([id as number]);
      await waitFor('the grade statement waiting on the lock', async () => {
        const r = await db.pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
              AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO qc_results%'`,
        );
        return (r.rowCount ?? 0) > 0;
      });
      w.kill('SIGKILL');
      await w.exited;
      // The statement never ran: a dead process's blocked statement is cut off.
      await db.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    const paid = sim.requests().filter((r) => r.path === '/v1/messages' && r.status === 200);
    expect(paid.length).toBeGreaterThan(0);
    expect((await llmCalls()).length).toBe(before);
    const o = await recordOrphanedAttempts(db.pool, 0);
    // Every paid call recorded once: the last at its estimate (an upper bound),
    // any earlier one (a tier-up's first call) at its real cost.
    expect(o.answered + o.estimated).toBe(paid.length);
    expect(o.estimated).toBe(1);
    const calls = await llmCalls();
    expect(calls.length - before).toBe(paid.length);
    expect(Number(calls.at(-1)?.cost_usd)).toBeGreaterThan(0);
    const r = await db.pool.query('SELECT 1 FROM qc_results WHERE ticket_id = $1', [id]);
    expect(r.rowCount).toBe(0);
  });
});
