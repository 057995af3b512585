import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedJobsOf, retryFailedIn } from '../../src/queue/failed.js';
import { runCli } from '../helpers/cli.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, startPipeline, storeExamples, waitFor } from '../helpers/pipeline.js';

let db: TestDb;
let sim: Simulator;
let p: Pipeline;

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, noise: 0 });
  db = await createTestDb();
  p = await startPipeline(db, sim.url, { QC_JOB_ATTEMPTS: '1', ANTHROPIC_MAX_RETRIES: '0' });
});
afterAll(async () => {
  await p.close();
  await db.drop();
  await sim.close();
});

/** `ticket-qc …` in-process, on the test's database, Redis and queue prefix. */
const cli = (...args: string[]) => runCli(p.config, args);

describe('ticket-qc failed', () => {
  it('lists jobs that ran out of attempts with their reason, and retry requeues them', async () => {
    const ids = await storeExamples(db, 2);
    sim.setOptions({ faults: { serverError: 1 } });
    await p.startWorker({ concurrency: 2 });
    const jobIds = await p.enqueue(ids);
    await waitFor('two failed jobs', async () => (await p.queue.getFailedCount()) === 2);

    const listed = await failedJobsOf(p.queue, 10);
    expect(listed.map((j) => j.id).sort()).toEqual([...jobIds].sort());
    expect(listed.every((j) => /500/.test(j.reason))).toBe(true);

    const out = await cli('failed');
    expect(out.status, out.stderr).toBe(0);
    for (const id of jobIds) expect(out.stdout).toContain(id);
    expect(out.stdout).toContain('Anthropic API 500');

    // The API recovers: one job retried by id, the rest with --all.
    sim.setOptions({ faults: { serverError: 0 } });
    expect((await retryFailedIn(p.queue, jobIds[0] as string)).requeued).toBe(1);
    const all = await cli('failed', 'retry', '--all');
    expect(all.status, all.stderr).toBe(0);
    expect(all.stdout).toContain('requeued 1 job(s)');
    await waitFor('both graded', async () => {
      const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM qc_results');
      return r.rows[0]?.n === 2;
    });
    expect((await cli('failed')).stdout).toContain('no failed jobs');
    const bad = await cli('failed', 'retry', 'qc-nope');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('no job qc-nope');
  });
});
