import { readFileSync } from 'node:fs';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { type Logger, pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { Shutdown } from '../../src/shutdown.js';
import { runWorkerProcess, workerShutdownDeadlineMs } from '../../workers/qc-worker.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import {
  inFlight,
  type Pipeline,
  spawnWorker,
  startPipeline,
  storeExamples,
  waitFor,
} from '../helpers/pipeline.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';

/**
 * SIGTERM waits for a job whose model request takes longer than the generic
 * 30-second shutdown deadline (a long Sonnet tier-up): one request may take up
 * to ANTHROPIC_TIMEOUT. Exiting earlier leaves the job active until its lock
 * expires, as a stall, with its paid calls never recorded.
 *
 * Proved in three parts, none waiting 30 s of real time: the worker process
 * builds its Shutdown with workerShutdownDeadlineMs (in-process); a Shutdown
 * with that deadline outlasts a 32 s request where the generic one gives up
 * (fake clock); and the real process, SIGTERMed mid-request, finishes the job
 * and exits 0 (a separate process, a short request).
 */

// Every Shutdown built in this file, with the deadline it was given; the
// worker process's signal handlers stay off (this process is vitest's).
const built = vi.hoisted(() => [] as { deadlineMs: number | undefined; shutdown: Shutdown }[]);
vi.mock('../../src/shutdown.js', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../src/shutdown.js')>();
  class RecordedShutdown extends m.Shutdown {
    constructor(logger: Logger, deadlineMs?: number) {
      super(logger, deadlineMs);
      built.push({ deadlineMs, shutdown: this });
    }
    override installSignalHandlers(): void {}
  }
  return { ...m, Shutdown: RecordedShutdown };
});

const LATENCY_MS = 2_000;
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

  it('the worker process shuts down under workerShutdownDeadlineMs, not the generic 30 s', async () => {
    const prefix = testPrefix();
    const config = testConfig({
      DATABASE_URL: db.url,
      QUEUE_PREFIX: prefix,
      ANTHROPIC_BASE_URL: sim.url,
      ANTHROPIC_TIMEOUT: '60s',
    });
    const before = built.length;
    try {
      await runWorkerProcess(config);
      const mine = built.slice(before);
      expect(mine).toHaveLength(1);
      expect(mine[0]?.deadlineMs).toBe(workerShutdownDeadlineMs(config));
      expect(mine[0]?.deadlineMs).toBeGreaterThan(30_000);
      await mine[0]?.shutdown.close();
    } finally {
      await cleanPrefix(prefix);
    }
  });

  it('that deadline outlasts a model request slower than 30 s; the generic one gives up', async () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
      const stop = (deadlineMs?: number) => {
        let finished = false;
        const s = new Shutdown(logger, deadlineMs).add('a 32 s model request', async () => {
          await new Promise((r) => setTimeout(r, 32_000));
          finished = true;
        });
        let closed = false;
        void s.close().then(() => {
          closed = true;
        });
        return { finished: () => finished, closed: () => closed };
      };

      const worker = stop(workerShutdownDeadlineMs(loadConfig({})));
      await vi.advanceTimersByTimeAsync(32_000);
      expect(worker.finished()).toBe(true);
      expect(worker.closed()).toBe(true);
      expect(lines.join('')).not.toContain('shutdown deadline passed');

      const generic = stop();
      await vi.advanceTimersByTimeAsync(30_000);
      expect(generic.closed()).toBe(true);
      expect(generic.finished()).toBe(false);
      expect(lines.join('')).toContain('shutdown deadline passed');
      await vi.advanceTimersByTimeAsync(2_000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('SIGTERM during a model request → the job finishes and is stored, then exit 0', async () => {
    const [id] = await storeExamples(db, 1);
    await p.enqueue([id as number]);
    const worker = spawnWorker(p, db.url, sim.url, {
      ANTHROPIC_API_KEY: '',
      QC_CONCURRENCY: '1',
      LOG_LEVEL: 'info',
    });
    await worker.ready;
    await waitFor('the job active', async () => (await p.queue.getActiveCount()) === 1);
    await waitFor('its model request in flight', async () => inFlight(sim) === 1);
    worker.kill('SIGTERM');
    expect(await worker.exited, worker.output()).toBe(0);
    expect(worker.output()).not.toContain('shutdown deadline passed');
    const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM qc_results');
    expect(r.rows[0]?.n).toBe(1);
    expect(await p.queue.getActiveCount()).toBe(0);
  });
});
