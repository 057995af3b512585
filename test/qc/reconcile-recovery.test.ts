import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextStore } from '../../src/context/store.js';
import { LOCKS, withTryAdvisoryLocks } from '../../src/db/locks.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { qcContextOf } from '../../src/qc/context.js';
import { reconcileOnce, STATE_CHUNK } from '../../src/qc/reconcile.js';
import { createRedis } from '../../src/queue/connection.js';
import { createIntakeWriter, createWriterPool } from '../../src/queue/intake-writer.js';
import { QC_QUEUE, qcJobId } from '../../src/queue/jobs.js';
import { type ScheduleSettings, scheduleGrades } from '../../src/queue/schedule.js';
import { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { holdAdvisoryLock } from '../helpers/locks.js';
import { cleanPrefix, producerQueue, testPrefix } from '../helpers/redis.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { REDIS_URL } from '../helpers/urls.js';

/**
 * A reconciler pass over a backlog (src/qc/reconcile.ts). Job states are
 * asked for a chunk at a time, and versions whose job is live are left
 * alone. After a Redis outage, versions
 * accepted while Redis was down are `stored` with no job. A pass schedules
 * them a chunk at a time — the chunk's ticket locks tried in one statement,
 * re-checked in one, added in one round trip to Redis, marked queued in one —
 * not one connection and four statements per version. A ticket whose lock is
 * held (ingest writing it right now) is left for the next pass. Real
 * PostgreSQL and Redis.
 */

let db: TestDb;
let pool: Pool;
let writerPool: Pool;
let redis: Redis;
let queue: Queue;
let version: string;
const prefix = testPrefix();
const logger = pino({ level: 'silent' });
const settings: ScheduleSettings = {
  gradeOn: ['solved'],
  debounceMs: 0,
  catalog: { attempts: 3, failedRetentionMs: 60_000 },
};

beforeAll(async () => {
  db = await createTestDb();
  pool = createPool(db.url, { max: 5 });
  writerPool = createWriterPool(db.url);
  ({ redis, queue } = await producerQueue(prefix));
  version = qcContextOf(await new ContextStore(pool).active()).version;
});

afterAll(async () => {
  await writerPool?.end().catch(() => undefined);
  await pool?.end().catch(() => undefined);
  await queue?.close().catch(() => undefined);
  redis?.disconnect();
  await cleanPrefix(prefix).catch(() => undefined);
  await db?.drop();
});

/** One reconciler pass over this file's database and queue. */
const pass = () =>
  reconcileOnce({ pool, queue, contexts: new ContextStore(pool), settings, logger });

/**
 * Stores `n` versions of distinct tickets through the intake writer: with
 * `via` undefined, as the API does while Redis is down (no job, `stored`).
 */
async function storeVersions(tag: string, n: number, via: Queue | undefined): Promise<number[]> {
  const writer = createIntakeWriter({
    pool,
    writerPool,
    queue: via,
    settings,
    contextVersion: async () => version,
    metrics: { enqueued: { inc: () => undefined }, enqueueDeferred: { inc: () => undefined } },
    logger,
  });
  const outs = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      writer.write({
        ticket: Ticket.parse({
          source: 'generic',
          externalId: `${tag}-${i}`,
          subject: 'Printer offline',
          status: 'solved',
          createdAt: '2026-10-05T09:00:00Z',
          updatedAt: '2026-10-05T10:00:00Z',
        }),
        bodySha256: String(i % 10).repeat(64),
      }),
    ),
  );
  for (const o of outs) expect(o.grading).toBe(via ? 'scheduled' : 'waiting_for_queue');
  return outs.map((o) => o.ticketId);
}

const storeWithoutQueue = (tag: string, n: number) => storeVersions(tag, n, undefined);

async function statusOf(ids: readonly number[]): Promise<Map<number, string>> {
  const r = await pool.query<{ id: number; qc_status: string }>(
    'SELECT id, qc_status FROM tickets WHERE id = ANY($1::bigint[])',
    [ids],
  );
  return new Map(r.rows.map((x) => [x.id, x.qc_status]));
}

async function jobIdsOf(ids: readonly number[]): Promise<string[]> {
  const r = await pool.query<{ content_hash: string }>(
    'SELECT content_hash FROM tickets WHERE id = ANY($1::bigint[]) ORDER BY id',
    [ids],
  );
  return r.rows.map((x) => qcJobId(x.content_hash, version));
}

describe('reconciler recovery pass', () => {
  it('queues a backlog of stored versions a chunk at a time: a connection per chunk, not per version', async () => {
    const n = STATE_CHUNK + 16;
    const ids = await storeWithoutQueue('RECOVER', n);
    let checkouts = 0;
    const count = () => {
      checkouts++;
    };
    pool.on('acquire', count);
    let stats: Awaited<ReturnType<typeof reconcileOnce>>;
    try {
      stats = await pass();
    } finally {
      pool.off('acquire', count);
    }
    expect(stats).toMatchObject({ candidates: n, enqueued: n, live: 0, busy: 0, unscheduled: 0 });
    // The active context (read by a fresh store: two statements), the waiting ids, the
    // page, then one connection per chunk; one per version would be n more.
    expect(checkouts).toBeLessThanOrEqual(4 + Math.ceil(n / STATE_CHUNK));
    const status = await statusOf(ids);
    expect([...status.values()].every((s) => s === 'queued')).toBe(true);
    const states = await Promise.all((await jobIdsOf(ids)).map((id) => queue.getJobState(id)));
    expect(states.every((s) => s === 'waiting')).toBe(true);

    // The next pass finds every job live and queues nothing again.
    const again = await pass();
    expect(again).toMatchObject({ candidates: n, live: n, enqueued: 0 });
  });

  it('leaves a ticket whose lock is held for the next pass, and queues the rest', async () => {
    const ids = await storeWithoutQueue('BUSY', 5);
    const [busyId, ...rest] = ids as [number, ...number[]];
    const lock = await holdAdvisoryLock(pool, LOCKS.ticket('generic', 'BUSY-0'));
    try {
      const stats = await pass();
      // The first test's versions are waiting too, each with its job: live.
      expect(stats).toMatchObject({ enqueued: 4, busy: 1, unscheduled: 0 });
      const status = await statusOf(ids);
      expect(status.get(busyId)).toBe('stored');
      for (const id of rest) expect(status.get(id)).toBe('queued');
    } finally {
      await lock.release();
    }
    const next = await pass();
    expect(next).toMatchObject({ enqueued: 1, busy: 0 });
    expect(next.live).toBe(next.candidates - 1);
    expect((await statusOf([busyId])).get(busyId)).toBe('queued');
  });
});

describe('reconciler pass with a version that cannot be scheduled', () => {
  it('queues the rest of its chunk, counts it unscheduled, and goes on (Redis is up)', async () => {
    const ids = await storeWithoutQueue('BADROW', 3);
    // A stored row no job can carry (its content hash is not one): legacy or hand-written data.
    const bad = await pool.query<{ id: number }>(
      `INSERT INTO tickets (source, external_id, content_hash, status, qc_status, subject, ticket, ticket_updated_at)
       VALUES ('generic', 'BADROW-x', 'not-a-hash', 'solved', 'stored', 'Printer offline', '{}', now())
       RETURNING id`,
    );
    const badId = bad.rows[0]?.id as number;
    const stats = await pass();
    expect(stats).toMatchObject({ enqueued: 3, unscheduled: 1, busy: 0 });
    const status = await statusOf([...ids, badId]);
    for (const id of ids) expect(status.get(id)).toBe('queued');
    expect(status.get(badId)).toBe('stored');
  });
});

describe('scheduleGrades when Redis goes down', () => {
  it("answers each version with Redis's own error, not a debounce-key one", async () => {
    // Redis went away after the connection was up (a proxy in front of the shared server, cut).
    const proxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
    const conn = createRedis(`redis://127.0.0.1:${proxy.port}`, 'producer');
    conn.on('error', () => undefined);
    const q = new Queue(QC_QUEUE, { connection: conn, prefix: `${prefix}-cut` });
    q.on('error', () => undefined);
    try {
      await q.waitUntilReady();
      const closed = new Promise((r) => conn.once('close', r));
      await proxy.down();
      await closed;
      const results = await scheduleGrades(
        q,
        [
          {
            data: {
              ticketId: 1,
              contentHash: 'a'.repeat(64),
              contextVersion: version,
              via: 'queue',
            },
            key: { source: 'generic', externalId: 'CUT-1' },
          },
        ],
        settings,
      );
      expect(results).toHaveLength(1);
      const [r] = results;
      const message = r && 'error' in r ? r.error.message : 'scheduled';
      expect(message).not.toBe('scheduled');
      expect(message).not.toMatch(/debounce key/);
    } finally {
      conn.disconnect();
      await q.close().catch(() => undefined);
      await proxy.close();
    }
  });
});

describe('withTryAdvisoryLocks', () => {
  it('takes the free locks, reports which, and releases them after', async () => {
    const keys = ['a', 'b', 'c'].map((x) => LOCKS.ticket('generic', `TRY-${x}`));
    const lock = await holdAdvisoryLock(pool, keys[1] as (typeof keys)[number]);
    try {
      const got = await withTryAdvisoryLocks(pool, keys, async (_c, h) => [...h].sort());
      expect(got).toEqual([0, 2]);
    } finally {
      await lock.release();
    }
    // Released by the first call: all free now, for anyone.
    const all = await withTryAdvisoryLocks(pool, keys, async (_c, h) => h.size);
    expect(all).toBe(3);
    // And none left held by any session of this database (a lock is re-entrant
    // within its session, so a second try on the same connection would not tell).
    const left = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND d.datname = current_database()`,
    );
    expect(left.rows[0]?.n).toBe(0);
  });
});

describe('reconciler pass over versions whose jobs wait', () => {
  it("asks for a page's job states a chunk at a time, all of it together, and leaves versions with a live job alone", async () => {
    // Only this test's versions wait: what earlier tests left is settled.
    await pool.query(
      `UPDATE tickets SET qc_status = 'graded' WHERE qc_status IN ('stored', 'queued')`,
    );
    const n = STATE_CHUNK + 16;
    await storeVersions('LIVE', n, queue);
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
      expect(await pass()).toMatchObject({ candidates: n, live: n, enqueued: 0, busy: 0 });
    } finally {
      queue.getJobState = getJobState;
    }
    // A chunk at a time, all of it together.
    expect(most).toBe(STATE_CHUNK);
  });
});
