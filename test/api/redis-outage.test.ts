import { createServer } from 'node:net';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Reconciler, startReconciler } from '../../src/qc/reconcile.js';
import { scheduleSettingsOf } from '../../src/queue/schedule.js';
import { type Child, spawnChild } from '../helpers/process.js';
import {
  deliver,
  genericVersion,
  type Harness,
  resultsByTicket,
  startGrader,
  startHarness,
  ticketRows,
  waitFor,
} from './helpers.js';

/**
 * A test-owned Redis on its own port is killed during ingest (no persistence,
 * so queued jobs die with it). Every webhook still gets its 202; once that
 * Redis is back, the reconciler queues every accepted ticket and each is
 * graded exactly once.
 */

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * A separate process (it is killed mid-test), registered for cleanup by
 * spawnChild: at the end of the file, since afterAll's grader and harness
 * still talk to it.
 */
async function startRedis(port: number): Promise<Child> {
  const child = spawnChild(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    { until: 'file' },
  );
  const probe = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined); // refused until the server is up
  await waitFor(
    'redis-server',
    async () => {
      try {
        await probe.connect().catch(() => undefined);
        return (await probe.ping()) === 'PONG';
      } catch {
        probe.disconnect();
        return false;
      }
    },
    10_000,
  );
  probe.disconnect();
  return child;
}

async function stop(child: Child | undefined): Promise<void> {
  await child?.stop();
}

describe('Redis killed during ingest', () => {
  let sim: Simulator;
  let redis: Child | undefined;
  let port: number;
  let h: Harness;
  let reconciler: Reconciler | undefined;
  let grader: Awaited<ReturnType<typeof startGrader>> | undefined;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 5, noise: 0 });
    port = await freePort();
    redis = await startRedis(port);
    h = await startHarness({
      redisUrl: `redis://127.0.0.1:${port}`,
      env: { QC_DEBOUNCE: '200ms', QC_RECONCILE_INTERVAL: '300ms' },
    });
  });
  afterAll(async () => {
    await reconciler?.stop();
    await grader?.close();
    await h?.close();
    await stop(redis);
    await sim?.close();
  });

  it('every 202-acknowledged ticket is graded once after Redis is back', async () => {
    const settings = scheduleSettingsOf(h.config);
    const warnings: string[] = [];
    const failedPasses = () => warnings.filter((l) => l.includes('reconciler pass failed')).length;
    reconciler = startReconciler(
      {
        pool: h.db.pool,
        queue: h.queue,
        contexts: h.contexts,
        settings,
        logger: pino({ level: 'warn' }, { write: (s: string) => void warnings.push(s) }),
        onPass: h.metrics.reconcilePass,
      },
      h.config.QC_RECONCILE_INTERVAL,
    );
    const accepted = new Set<number>();
    const gradings: string[] = [];
    let killed: Promise<void> | undefined;
    for (let i = 0; i < 30; i++) {
      // Killed mid-stream, without waiting: requests are in flight as it dies.
      if (i === 10) killed = stop(redis);
      const started = Date.now();
      const res = await deliver(h, 'generic', genericVersion(`T-OUT-${i}`, 1, 'closed'));
      expect(res.statusCode, res.body).toBe(202);
      // Bounded by intake's 2 s Redis timeout, not by Redis coming back (it does not,
      // here): a hang would last the whole outage. The slack is for a loaded machine;
      // how fast is the ingest bench's business.
      expect(Date.now() - started).toBeLessThan(15_000);
      accepted.add(res.json().ticketId);
      gradings.push(res.json().grading);
    }
    await killed;
    // A redelivery during the outage is still acknowledged and still one version.
    expect((await deliver(h, 'generic', genericVersion('T-OUT-3', 1, 'closed'))).statusCode).toBe(
      202,
    );
    expect(gradings.slice(0, 10).every((g) => g === 'scheduled')).toBe(true);
    expect(gradings.slice(12).every((g) => g === 'waiting_for_queue')).toBe(true);
    expect(await ticketRows(h)).toHaveLength(30);

    // The reconciler keeps failing quietly while Redis is down (two failed passes logged)…
    const failedBefore = failedPasses();
    await waitFor('two failed reconciler passes', async () => failedPasses() >= failedBefore + 2);
    redis = await startRedis(port);
    grader = await startGrader(h, sim.url, `redis://127.0.0.1:${port}`);
    // …and once it is back, every accepted ticket is queued and graded.
    const results = await waitFor(
      'all 30 graded',
      async () => {
        const r = await resultsByTicket(h);
        return r.size === 30 ? r : undefined;
      },
      45_000,
    );
    expect(new Set(results.keys())).toEqual(accepted);
    expect([...results.values()].every((n) => n === 1)).toBe(true);
    const qc = await ticketRows(h);
    expect(qc.every((t) => t.qc_status === 'graded')).toBe(true);
    const text = await h.metrics.registry.metrics();
    expect(text).toMatch(/ticketqc_enqueue_deferred_total \d+/);
    // The reconciler's passes, on /metrics: the failed ones while Redis was down, the ones
    // that queued the deferred tickets after, and when one last succeeded.
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
    expect(
      value(/^ticketqc_reconcile_passes_total\{result="failed"\} (\d+)$/m),
    ).toBeGreaterThanOrEqual(2);
    expect(value(/^ticketqc_reconcile_passes_total\{result="ok"\} (\d+)$/m)).toBeGreaterThanOrEqual(
      1,
    );
    const deferred = gradings.filter((g) => g === 'waiting_for_queue').length;
    expect(
      value(/^ticketqc_reconcile_versions_total\{outcome="enqueued"\} (\d+)$/m),
    ).toBeGreaterThanOrEqual(deferred);
    expect(value(/^ticketqc_reconcile_pass_seconds_count (\d+)$/m)).toBeGreaterThanOrEqual(3);
    const last = value(/^ticketqc_reconcile_last_success_timestamp_seconds (\S+)$/m);
    expect(last).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(value(/^ticketqc_reconcile_waiting_versions (\d+)$/m)).toBeGreaterThanOrEqual(0);
  });
});
