import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import {
  inFlight,
  type Pipeline,
  spawnWorker,
  startPipeline,
  storeExamples,
  waitFor,
} from '../helpers/pipeline.js';

let db: TestDb;
let sim: Simulator;
let p: Pipeline;
// A key-shaped sentinel: it must never appear in any log line.
const API_KEY = 'sk-ant-api03-SENTINEL-do-not-log-0123456789';

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, noise: 0, latencyMs: 1_500, apiKey: API_KEY });
  db = await createTestDb();
  p = await startPipeline(db, sim.url, { ANTHROPIC_API_KEY: API_KEY });
});
afterAll(async () => {
  await p.close();
  await db.drop();
  await sim.close();
});

describe('graceful shutdown', () => {
  it('SIGTERM while model requests are in flight → those jobs finish, exit 0, the rest are graded by the next worker', async () => {
    const ids = await storeExamples(db, 6);
    await p.enqueue(ids);
    const worker = spawnWorker(p, db.url, sim.url, {
      QC_CONCURRENCY: '2',
      ANTHROPIC_API_KEY: API_KEY,
      LOG_LEVEL: 'debug',
    });

    await worker.ready;
    // Two jobs active, their model requests under way (the simulator answers after 1.5 s).
    await waitFor('two active jobs', async () => (await p.queue.getActiveCount()) === 2);
    await waitFor('two model requests in flight', async () => inFlight(sim) === 2);
    const graded = async () =>
      (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM qc_results')).rows[0]
        ?.n ?? 0;
    expect(await graded()).toBe(0);
    worker.kill('SIGTERM');

    expect(await worker.exited, worker.output()).toBe(0);
    expect(worker.output()).toContain('shutting down');
    expect(worker.output()).toContain('graded');
    expect(worker.output()).not.toContain(API_KEY);
    expect(worker.output()).not.toContain('SENTINEL');
    // The two in-flight jobs completed; nothing else was taken.
    expect(await graded()).toBe(2);
    expect(await p.queue.getActiveCount()).toBe(0);
    expect(await p.queue.getWaitingCount()).toBe(4);

    sim.setOptions({ latencyMs: 0 });
    await p.startWorker({ concurrency: 2 });
    await waitFor('all six graded', async () => (await graded()) === 6, 30_000);
    const perTicket = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM qc_results GROUP BY ticket_id',
    );
    expect(perTicket.rows.every((r) => r.n === 1)).toBe(true);
  });
});
