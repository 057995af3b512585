import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, startPipeline, storeExamples, waitFor } from '../helpers/pipeline.js';

/**
 * Invalid output from both models (each after its repair turn) is not an
 * outage: a BullMQ retry would pay for the same four calls again and again
 * (a verdict cut off at max_tokens is cut off every time). The job fails at
 * once with the reason, its calls recorded — as the batch collector does.
 */

let db: TestDb;
let sim: Simulator;
let p: Pipeline;

beforeAll(async () => {
  sim = await startSimulator({ seed: 8, noise: 0 });
  db = await createTestDb();
  p = await startPipeline(db, sim.url, { QC_JOB_ATTEMPTS: '3' });
});
afterAll(async () => {
  await p.close();
  await db.drop();
  await sim.close();
});

describe('no valid verdict from any tier', () => {
  it('fails the job without a retry, with every paid call recorded', async () => {
    const [id] = await storeExamples(db, 1);
    // Base, its repair, the tier-up and its repair: none calls record_verdict.
    sim.injectFaults('noTool', 4);
    await p.startWorker({ concurrency: 1 });
    const [jobId] = await p.enqueue([id as number]);
    const job = await waitFor(
      'the job to fail',
      async () => {
        const j = await p.queue.getJob(jobId as string);
        return j && (await j.isFailed()) ? await p.queue.getJob(jobId as string) : undefined;
      },
      20_000,
    );
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/no valid verdict/);
    // Failed for good, not delayed for a retry: a job BullMQ will retry waits
    // out its backoff (5 s) in the delayed set; one in the failed set is never
    // taken again. No need to wait out the backoff to know.
    expect(await job.getState()).toBe('failed');
    expect(await p.queue.getDelayedCount()).toBe(0);
    expect(await p.queue.getFailedCount()).toBe(1);
    const calls = await db.pool.query<{ purpose: string }>(
      "SELECT purpose FROM agent_events WHERE kind = 'llm_call' ORDER BY id",
    );
    expect(calls.rows.map((c) => c.purpose)).toEqual(['grade', 'repair', 'tier_up', 'repair']);
    const results = await db.pool.query('SELECT 1 FROM qc_results');
    expect(results.rowCount).toBe(0);
  });
});
