import { spawn } from 'node:child_process';
import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { Worker } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qcContextOf } from '../../src/qc/context.js';
import { rebuildPayload } from '../../src/qc/lost-payload.js';
import { reconcileOnce } from '../../src/qc/reconcile.js';
import { createRedis } from '../../src/queue/connection.js';
import { retryFailedIn } from '../../src/queue/failed.js';
import { QC_QUEUE, qcJobId } from '../../src/queue/jobs.js';
import { scheduleSettingsOf } from '../../src/queue/schedule.js';
import { secretEnv, startHarness } from '../api/helpers.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type Pipeline, startPipeline, storeExamples, waitFor } from '../helpers/pipeline.js';
import { type PrivateRedis, startPrivateRedis } from '../helpers/private-redis.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';

/**
 * Issue 10, defect 1: Redis eviction loses acknowledged tickets. An evicting
 * Redis is refused (or, allowed, warned about and counted); a job whose
 * payload is gone is rebuilt from PostgreSQL by its id, or requeued by the
 * reconciler; `failed retry` re-derives the payload.
 */

let db: TestDb;
let sim: Simulator;
let p: Pipeline;
let lru: PrivateRedis;

beforeAll(async () => {
  sim = await startSimulator({ seed: 11, noise: 0 });
  db = await createTestDb();
  p = await startPipeline(db, sim.url, { QC_DEBOUNCE: '0' });
  lru = await startPrivateRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
});
afterAll(async () => {
  await p?.close();
  await lru?.stop();
  await db?.drop();
  await sim?.close();
});

async function graded(ticketId: number): Promise<number> {
  const r = await db.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM qc_results WHERE ticket_id = $1',
    [ticketId],
  );
  return r.rows[0]?.n ?? 0;
}

async function jobIdOf(ticketId: number): Promise<string> {
  const ctx = qcContextOf(await p.rt.contexts.active());
  const r = await db.pool.query<{ content_hash: string }>(
    'SELECT content_hash FROM tickets WHERE id = $1',
    [ticketId],
  );
  return qcJobId(r.rows[0]?.content_hash ?? '', ctx.version);
}

/** What the probe found after eviction: a failed job with an empty payload. */
async function failedEmptyJob(ticketId: number): Promise<string> {
  const jobId = await jobIdOf(ticketId);
  await p.queue.add('grade', {}, { jobId, attempts: 1 });
  const connection = createRedis(p.config.REDIS_URL, 'worker');
  const w = new Worker(QC_QUEUE, null, {
    connection,
    prefix: p.config.QUEUE_PREFIX,
    autorun: false,
  });
  try {
    const job = await w.getNextJob('manual');
    expect(job?.id).toBe(jobId);
    await job?.moveToFailed(
      new Error('invalid qc job payload: ticketId expected number, received undefined'),
      'manual',
      false,
    );
  } finally {
    await w.close();
    connection.disconnect();
  }
  expect(await p.queue.getJobState(jobId)).toBe('failed');
  return jobId;
}

describe('the maxmemory-policy check', () => {
  function runWorker(env: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/qc-worker.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REDIS_URL: lru.url,
        QUEUE_PREFIX: testPrefix(),
        ANTHROPIC_BASE_URL: sim.url,
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    return { child, out: () => out, exited };
  }
  const lines = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; event?: string; maxmemoryPolicy?: string[] });

  it('a worker refuses to start on allkeys-lru, with a JSON log line saying what to do', async () => {
    const w = runWorker({});
    expect(await w.exited).toBe(78);
    const fatal = lines(w.out()).find((l) => l.event === 'redis_eviction_refused');
    expect(fatal?.msg).toMatch(/allkeys-lru.*noeviction.*QC_ALLOW_EVICTION/);
  });

  it('with QC_ALLOW_EVICTION=1 it starts, with a structured warning', async () => {
    const w = runWorker({ QC_ALLOW_EVICTION: '1' });
    await waitFor('worker started', async () => /qc worker started/.test(w.out()), 30_000);
    const exited = w.exited;
    w.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const warn = lines(w.out()).find((l) => l.event === 'redis_eviction_allowed');
    expect(warn?.maxmemoryPolicy).toEqual(['allkeys-lru']);
  });

  it('/readyz is not ready on an evicting Redis, and ready with a warning and a metric when allowed', async () => {
    for (const allow of [false, true]) {
      const h = await startHarness({
        redisUrl: lru.url,
        env: allow ? { QC_ALLOW_EVICTION: '1' } : {},
      });
      try {
        const res = await h.app.inject({ method: 'GET', url: '/readyz' });
        const body = res.json() as { redisMaxmemoryPolicy: string; redisWarning: string };
        expect(res.statusCode).toBe(allow ? 200 : 503);
        expect(body.redisMaxmemoryPolicy).toBe('allkeys-lru');
        expect(body.redisWarning).toMatch(allow ? /QC_ALLOW_EVICTION/ : /noeviction/);
        const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
        expect(metrics.body).toContain('ticketqc_redis_eviction_unsafe 1');
      } finally {
        await h.close();
      }
    }
    // The shared Redis runs noeviction: ready, gauge 0.
    const h = await startHarness();
    try {
      const res = await h.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(200);
      expect((res.json() as { redisMaxmemoryPolicy: string }).redisMaxmemoryPolicy).toBe(
        'noeviction',
      );
    } finally {
      await h.close();
    }
  });

  it('serve refuses to start on an evicting Redis', async () => {
    const prefix = testPrefix();
    const child = spawn(process.execPath, ['--import', 'tsx', 'workers/api.ts'], {
      env: {
        ...process.env,
        ...secretEnv,
        DATABASE_URL: db.url,
        REDIS_URL: lru.url,
        QUEUE_PREFIX: prefix,
        PORT: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(78);
    expect(out).toContain('redis_eviction_refused');
    expect(out).not.toContain('api listening');
    await cleanPrefix(prefix, lru.url);
  });
});

describe('a job whose payload Redis lost', () => {
  it('is rebuilt from PostgreSQL by its job id and graded', async () => {
    const [id] = await storeExamples(db, 1);
    const ticketId = id as number;
    const [jobId] = await p.enqueue([ticketId]);
    // What eviction does: the job's hash is gone, its id stays in the wait list.
    const r = createRedis(p.config.REDIS_URL, 'worker');
    expect(await r.del(`${p.config.QUEUE_PREFIX}:${QC_QUEUE}:${jobId}`)).toBe(1);
    r.disconnect();
    await p.startWorker({ concurrency: 1 });
    await waitFor('graded', async () => (await graded(ticketId)) === 1);
    expect(p.logs.some((l) => (l as { event?: string }).event === 'job_payload_rebuilt')).toBe(
      true,
    );
    expect(await p.queue.getFailedCount()).toBe(0);
    await p.worker?.close();
    p.worker = undefined;
  });

  it('left failed with an empty payload, is removed and requeued by the reconciler', async () => {
    const [, id] = await storeExamples(db, 2);
    const ticketId = id as number;
    const jobId = await failedEmptyJob(ticketId);
    const stats = await reconcileOnce({
      pool: db.pool,
      queue: p.queue,
      contexts: p.rt.contexts,
      settings: scheduleSettingsOf(p.config),
      logger: pino({ level: 'silent' }),
    });
    expect(stats.revived).toBe(1);
    expect(stats.enqueued).toBeGreaterThanOrEqual(1);
    expect(await p.queue.getJobState(jobId)).not.toBe('failed');
    await p.startWorker({ concurrency: 1 });
    await waitFor('graded', async () => (await graded(ticketId)) === 1);
    await p.worker?.close();
    p.worker = undefined;
  });

  it('`failed retry` re-derives the payload from PostgreSQL', async () => {
    const [, , id] = await storeExamples(db, 3);
    const ticketId = id as number;
    const jobId = await failedEmptyJob(ticketId);
    const version = qcContextOf(await p.rt.contexts.active()).version;
    const out = await retryFailedIn(p.queue, 'all', (j) => rebuildPayload(db.pool, j, version));
    expect(out).toEqual({ requeued: 1, rebuilt: 1, removed: 0 });
    expect((await p.queue.getJob(jobId))?.data).toMatchObject({ ticketId });
    await p.startWorker({ concurrency: 1 });
    await waitFor('graded', async () => (await graded(ticketId)) === 1);
    await p.worker?.close();
    p.worker = undefined;
  });

  it('whose hash survived its list (evicted wait list), is removed and requeued by the reconciler', async () => {
    // What the eviction chaos run lost 2 of 60 tickets to: LRU evicted the
    // queue's wait list, the job's hash stayed. The job is in no list, so no
    // worker ever takes it, and adding it again with the same id is a no-op
    // (BullMQ answers "duplicated").
    const [, , , id] = await storeExamples(db, 4);
    const ticketId = id as number;
    const [jobId] = await p.enqueue([ticketId]);
    const r = createRedis(p.config.REDIS_URL, 'worker');
    expect(await r.del(`${p.config.QUEUE_PREFIX}:${QC_QUEUE}:wait`)).toBe(1);
    expect(await r.exists(`${p.config.QUEUE_PREFIX}:${QC_QUEUE}:${jobId}`)).toBe(1);
    r.disconnect();
    expect(await p.queue.getJobState(jobId as string)).toBe('unknown');
    const stats = await reconcileOnce({
      pool: db.pool,
      queue: p.queue,
      contexts: p.rt.contexts,
      settings: scheduleSettingsOf(p.config),
      logger: pino({ level: 'silent' }),
    });
    expect(stats.enqueued).toBeGreaterThanOrEqual(1);
    expect(await p.queue.getJobState(jobId as string)).toBe('waiting');
    await p.startWorker({ concurrency: 1 });
    await waitFor('graded', async () => (await graded(ticketId)) === 1);
  });
});
