import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/api/metrics.js';
import { ContextStore } from '../../src/context/store.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { qcContextOf } from '../../src/qc/context.js';
import { reconcileOnce, STATE_CHUNK } from '../../src/qc/reconcile.js';
import { createRedis } from '../../src/queue/connection.js';
import { createIntakeWriter, createWriterPool } from '../../src/queue/intake-writer.js';
import { QC_QUEUE } from '../../src/queue/jobs.js';
import type { ScheduleSettings } from '../../src/queue/schedule.js';
import { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { waitFor } from '../helpers/pipeline.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { REDIS_URL } from '../helpers/urls.js';

/**
 * A reconciler pass over a backlog (src/qc/reconcile.ts): the job states of a
 * page of waiting versions are asked for a chunk at a time, not one round trip after
 * another, and versions whose job is live are left alone. Real PostgreSQL and
 * Redis; the queue's own getJobState is only counted.
 */

let db: TestDb;
let pool: Pool;
let writerPool: Pool;
let redis: Redis;
let queue: Queue;
const prefix = testPrefix();
const logger = pino({ level: 'silent' });
const settings: ScheduleSettings = {
  gradeOn: ['solved'],
  debounceMs: 60_000,
  catalog: { attempts: 3, failedRetentionMs: 60_000 },
};

beforeAll(async () => {
  db = await createTestDb();
  pool = createPool(db.url, { max: 5 });
  writerPool = createWriterPool(db.url);
  redis = createRedis(REDIS_URL, 'producer');
  await waitFor('redis connection', async () => redis.status === 'ready', 5_000);
  queue = new Queue(QC_QUEUE, { connection: redis, prefix });
  queue.on('error', () => undefined);
});

afterAll(async () => {
  await writerPool?.end().catch(() => undefined);
  await pool?.end().catch(() => undefined);
  await queue?.close().catch(() => undefined);
  redis?.disconnect();
  await cleanPrefix(prefix).catch(() => undefined);
  await db?.drop();
});

describe('reconciler pass', () => {
  it("asks for a page's job states a chunk at a time, all of it together, and leaves versions with a live job alone", async () => {
    const contexts = new ContextStore(pool);
    const version = qcContextOf(await contexts.active()).version;
    const writer = createIntakeWriter({
      pool,
      writerPool,
      queue,
      settings,
      contextVersion: async () => version,
      metrics: createMetrics({ pool, queue, logger, defaults: false }),
      logger,
    });
    const n = STATE_CHUNK + 16;
    const outs = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        writer.write({
          ticket: Ticket.parse({
            source: 'generic',
            externalId: `REC-${i}`,
            subject: 'Printer offline',
            status: 'solved',
            createdAt: '2026-10-05T09:00:00Z',
            updatedAt: '2026-10-05T10:00:00Z',
          }),
          bodySha256: String(i % 10).repeat(64),
        }),
      ),
    );
    for (const o of outs) expect(o.grading).toBe('scheduled');

    let inFlight = 0;
    let most = 0;
    const getJobState = queue.getJobState.bind(queue);
    queue.getJobState = async (jobId: string) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        return await getJobState(jobId);
      } finally {
        inFlight--;
      }
    };
    try {
      const stats = await reconcileOnce({ pool, queue, contexts, settings, logger });
      expect(stats).toMatchObject({ candidates: n, live: n, enqueued: 0, busy: 0 });
    } finally {
      queue.getJobState = getJobState;
    }
    // A chunk at a time, all of it together.
    expect(most).toBe(STATE_CHUNK);
  });
});
