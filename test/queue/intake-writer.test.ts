import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, type IngestMetrics } from '../../src/api/metrics.js';
import { ContextStore } from '../../src/context/store.js';
import { LOCKS } from '../../src/db/locks.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { qcContextOf } from '../../src/qc/context.js';
import type { IngestDeps } from '../../src/queue/intake.js';
import { createIntakeWriter, createWriterPool } from '../../src/queue/intake-writer.js';
import { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { waitFor } from '../helpers/pipeline.js';
import { cleanPrefix, producerQueue, testPrefix } from '../helpers/redis.js';

/**
 * The intake writer's groups on real PostgreSQL and Redis: a group held up (a
 * ticket lock held on another connection) lets the next one go out beside it,
 * and versions of one ticket are stored in arrival order.
 */

let db: TestDb;
let pool: Pool;
let writerPool: Pool;
let redis: Redis;
let queue: Queue;
let metrics: IngestMetrics;
let locker: pg.Client;
let deps: IngestDeps;
const prefix = testPrefix();

beforeAll(async () => {
  db = await createTestDb();
  pool = createPool(db.url, { max: 5 });
  writerPool = createWriterPool(db.url);
  ({ redis, queue } = await producerQueue(prefix));
  const logger = pino({ level: 'silent' });
  metrics = createMetrics({ pool, queue, logger, defaults: false });
  const version = qcContextOf(await new ContextStore(pool).active()).version;
  deps = {
    pool,
    writerPool,
    queue,
    settings: {
      gradeOn: ['solved'],
      debounceMs: 60_000,
      catalog: { attempts: 3, failedRetentionMs: 60_000 },
    },
    contextVersion: async () => version,
    metrics,
    logger,
  };
  locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
});

afterAll(async () => {
  await locker?.end().catch(() => undefined);
  await writerPool?.end().catch(() => undefined);
  await pool?.end().catch(() => undefined);
  await queue?.close().catch(() => undefined);
  redis?.disconnect();
  await cleanPrefix(prefix).catch(() => undefined);
  await db?.drop();
});

const ticket = (externalId: string, updatedAt = new Date().toISOString()) =>
  Ticket.parse({
    source: 'generic',
    externalId,
    subject: 'VPN drops every hour',
    description: 'The VPN client disconnects hourly.',
    status: 'solved',
    createdAt: '2026-10-05T09:00:00Z',
    updatedAt,
  });

const lockSql = (fn: string, externalId: string) => {
  const key = LOCKS.ticket('generic', externalId);
  return { text: `SELECT ${fn}(${key.expr})`, values: [key.param] };
};
const hold = (id: string) => locker.query(lockSql('pg_advisory_lock', id));
const release = (id: string) => locker.query(lockSql('pg_advisory_unlock', id));

async function lockWaiters(): Promise<number> {
  const r = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
     WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1`,
    [db.name],
  );
  return r.rows[0]?.n ?? 0;
}

const stored = async (ids: string[]) =>
  (await db.pool.query('SELECT 1 FROM tickets WHERE external_id = ANY($1::text[])', [ids]))
    .rowCount;

describe('intake writer groups', () => {
  it('a group held up by a ticket lock does not stall the next one', async () => {
    const writer = createIntakeWriter(deps);
    await hold('H-1');
    const held = writer.write({ ticket: ticket('H-1'), bodySha256: 'c'.repeat(64) });
    await waitFor('the held group waiting for its lock', async () => (await lockWaiters()) === 1);
    // Answered while H-1's group still waits for its lock.
    const other = await writer.write({ ticket: ticket('H-2'), bodySha256: 'd'.repeat(64) });
    expect(other).toMatchObject({ newVersion: true, grading: 'scheduled' });
    expect(await lockWaiters()).toBe(1);
    expect(await stored(['H-1'])).toBe(0);
    await release('H-1');
    expect(await held).toMatchObject({ newVersion: true, grading: 'scheduled' });
  });

  it('a later version of a ticket whose group is held waits for it; other tickets go on', async () => {
    const writer = createIntakeWriter(deps);
    await hold('W-1');
    const first = writer.write({
      ticket: ticket('W-1', '2026-11-02T09:00:00Z'),
      bodySha256: 'e'.repeat(64),
    });
    await waitFor('the held group waiting for its lock', async () => (await lockWaiters()) === 1);
    const second = writer.write({
      ticket: ticket('W-1', '2026-11-02T10:00:00Z'),
      bodySha256: 'f'.repeat(64),
    });
    // A free slot, yet W-1's second version is not sent out beside its first.
    const other = await writer.write({ ticket: ticket('W-2'), bodySha256: '9'.repeat(64) });
    expect(other).toMatchObject({ newVersion: true });
    expect(await lockWaiters()).toBe(1);
    await release('W-1');
    expect(await first).toMatchObject({ newVersion: true });
    expect(await second).toMatchObject({ newVersion: true });
    const r = await db.pool.query<{ updated_at: Date }>(
      "SELECT ticket_updated_at AS updated_at FROM tickets WHERE external_id = 'W-1' ORDER BY id",
    );
    expect(r.rows.map((x) => x.updated_at.toISOString())).toEqual([
      '2026-11-02T09:00:00.000Z',
      '2026-11-02T10:00:00.000Z',
    ]);
  });

  it('versions of one ticket written back to back are stored in arrival order', async () => {
    const writer = createIntakeWriter(deps);
    const times = Array.from({ length: 8 }, (_, i) => new Date(Date.UTC(2026, 10, 1, 9, i)));
    const outs = await Promise.all(
      times.map((t, i) =>
        writer.write({
          ticket: ticket('ORD-1', t.toISOString()),
          bodySha256: String(i).repeat(64),
        }),
      ),
    );
    for (const o of outs) expect(o.newVersion).toBe(true);
    const r = await db.pool.query<{ updated_at: Date }>(
      "SELECT ticket_updated_at AS updated_at FROM tickets WHERE external_id = 'ORD-1' ORDER BY id",
    );
    expect(r.rows.map((x) => x.updated_at.toISOString())).toEqual(
      times.map((t) => t.toISOString()),
    );
  });
});
