import { readFileSync } from 'node:fs';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { workerShutdownDeadlineMs } from '../../workers/qc-worker.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import {
  type Pipeline,
  spawnWorker,
  startPipeline,
  storeExamples,
  waitFor,
} from '../helpers/pipeline.js';

/**
 * SIGTERM waits for a job whose model request takes longer than the generic
 * 30-second shutdown deadline (a long Sonnet tier-up): one request may take up
 * to ANTHROPIC_TIMEOUT. Exiting earlier leaves the job active until its lock
 * expires, as a stall, with its paid calls never recorded.
 */

const LATENCY_MS = 32_000;
let db: TestDb;
let sim: Simulator;
let p: Pipeline;

beforeAll(async () => {
  sim = await startSimulator({ seed: 3, noise: 0, latencyMs: LATENCY_MS });
  db = await createTestDb();
  p = await startPipeline(db, sim.url);
});
afterAll(async () => {
  await p.close();
  await db.drop();
  await sim.close();
});

describe('worker shutdown deadline', () => {
  it('fits inside the grace period docker-compose gives the worker', () => {
    const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
      services: Record<string, { stop_grace_period?: string }>;
    };
    const grace = compose.services['qc-worker']?.stop_grace_period ?? '10s';
    const graceMs = Number(/^(\d+)s$/.exec(grace)?.[1]) * 1000;
    const config = loadConfig({});
    expect(workerShutdownDeadlineMs(config)).toBeGreaterThan(config.ANTHROPIC_TIMEOUT);
    expect(workerShutdownDeadlineMs(config)).toBeLessThan(graceMs);
  });

  it('SIGTERM during a request slower than 30 s → the job finishes and is stored, then exit 0', async () => {
    const [id] = await storeExamples(db, 1);
    await p.enqueue([id as number]);
    const worker = spawnWorker(p, db.url, sim.url, {
      ANTHROPIC_API_KEY: '',
      QC_CONCURRENCY: '1',
      LOG_LEVEL: 'info',
    });
    await waitFor('the job active', async () => (await p.queue.getActiveCount()) === 1, 20_000);
    await new Promise((r) => setTimeout(r, 300));
    worker.kill('SIGTERM');
    expect(await worker.exited, worker.output()).toBe(0);
    expect(worker.output()).not.toContain('shutdown deadline passed');
    const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM qc_results');
    expect(r.rows[0]?.n).toBe(1);
    expect(await p.queue.getActiveCount()).toBe(0);
  }, 90_000);
});
