import { type Simulator, startSimulator } from '@ticket-qc/anthropic-simulator';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQcWorker } from '../../src/qc/worker.js';
import { createRedis } from '../../src/queue/connection.js';
import { createRuntime } from '../../src/runtime.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import {
  type LogLine,
  type Pipeline,
  startPipeline,
  storeExamples,
  waitFor,
} from '../helpers/pipeline.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { serverUrl } from '../helpers/urls.js';

/**
 * Issue 10, defect 2 (worker side): while PostgreSQL is unreachable the jobs
 * in flight must not burn their attempts and end failed; grading resumes by
 * itself within seconds of PostgreSQL returning. The worker reaches
 * PostgreSQL through a proxy the test cuts; the shared server is untouched.
 */

let db: TestDb;
let sim: Simulator;
let p: Pipeline;
let proxy: TcpProxy;

beforeAll(async () => {
  sim = await startSimulator({ seed: 7, noise: 0 });
  db = await createTestDb();
  proxy = await startTcpProxy(Number(serverUrl().port || 5432));
  // One attempt: before the fix, a single database error would fail the job for good.
  p = await startPipeline(db, sim.url, { QC_JOB_ATTEMPTS: '1' });
});
afterAll(async () => {
  await p?.close();
  await proxy?.close();
  await db?.drop();
  await sim?.close();
});

describe('a QC worker while PostgreSQL is down', () => {
  it('puts jobs back without using attempts and grades them once PostgreSQL returns', async () => {
    const ids = await storeExamples(db, 4);
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const logs: LogLine[] = [];
    const logger = pino(
      { level: 'debug' },
      { write: (s: string) => void logs.push(JSON.parse(s) as LogLine) },
    );
    const rt = createRuntime({ ...p.config, DATABASE_URL: viaProxy.toString() }, { logger });
    const connection = createRedis(p.config.REDIS_URL, 'worker');
    // The worker starts while PostgreSQL is up (it reads the context at start)...
    const worker = await startQcWorker(rt, {
      connection,
      prefix: p.config.QUEUE_PREFIX,
      concurrency: 2,
    });
    try {
      // ...then PostgreSQL goes away, with jobs waiting.
      await proxy.down();
      await p.enqueue(ids);
      await waitFor(
        'jobs put back while PostgreSQL is down',
        async () =>
          logs.filter((l) => /postgres unavailable: job put back/.test(l.msg)).length >= 2,
      );
      expect(await p.queue.getFailedCount()).toBe(0);

      await proxy.up();
      await waitFor('all four graded', async () => {
        const r = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM qc_results');
        return r.rows[0]?.n === 4;
      });
      expect(await p.queue.getFailedCount()).toBe(0);
      const dup = await db.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM (SELECT ticket_id FROM qc_results GROUP BY ticket_id HAVING count(*) > 1) d',
      );
      expect(dup.rows[0]?.n).toBe(0);
    } finally {
      await worker.close();
      connection.disconnect();
      await rt.pool.end();
    }
  });
});
