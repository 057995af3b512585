import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createMetrics, type IngestMetrics } from '../../src/api/metrics.js';
import { ContextStore } from '../../src/context/store.js';
import { LOCKS } from '../../src/db/locks.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createWriterPool } from '../../src/queue/intake-writer.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { cleanPrefix, producerQueue, testPrefix } from '../helpers/redis.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { REDIS_URL, serverUrl } from '../helpers/urls.js';
import { fixture, secretEnv, signedHeaders, waitFor } from './helpers.js';

/**
 * The intake writer (src/queue/intake-writer.ts) over real HTTP, PostgreSQL
 * and Redis: webhooks that arrive together are written as one group. To make
 * a group certain rather than likely, the test holds the ticket locks of two
 * "filler" webhooks, which then occupy both of the writer's slots; whatever
 * arrives meanwhile waits, and becomes the next group once they are released.
 * The API reaches PostgreSQL through a proxy the test can cut.
 */

let db: TestDb;
let proxy: TcpProxy;
let pool: Pool;
let writerPool: Pool;
let redis: Redis;
let queue: Queue;
let app: FastifyInstance;
let metrics: IngestMetrics;
let url: string;
let locker: pg.Client;
const prefix = testPrefix();
/** HTTP answers received so far. */
let answeredCount = 0;

beforeAll(async () => {
  db = await createTestDb();
  proxy = await startTcpProxy(Number(serverUrl().port || 5432));
  const viaProxy = new URL(db.url);
  viaProxy.port = String(proxy.port);
  const config = testConfig({
    DATABASE_URL: viaProxy.toString(),
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    QC_DEBOUNCE: '2s',
    ...secretEnv,
  });
  const logger = pino({ level: 'silent' });
  pool = createPool(viaProxy.toString(), { max: 10 });
  // As in the API process: the writer's groups on pipelined connections of their own.
  writerPool = createWriterPool(viaProxy.toString());
  ({ redis, queue } = await producerQueue(prefix));
  metrics = createMetrics({ pool, queue, logger, defaults: false });
  app = await buildApp({
    config,
    pool,
    writerPool,
    queue,
    redis,
    contexts: new ContextStore(pool),
    logger,
    metrics,
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
});

afterAll(async () => {
  await app?.close();
  await locker?.end().catch(() => undefined);
  await pool?.end().catch(() => undefined);
  await writerPool?.end().catch(() => undefined);
  await queue?.close().catch(() => undefined);
  redis?.disconnect();
  await proxy?.close();
  await cleanPrefix(prefix).catch(() => undefined);
  await db?.drop();
});

function body(externalId: string): string {
  const t = JSON.parse(fixture('generic/ticket.json')) as Record<string, unknown>;
  const now = new Date().toISOString();
  return JSON.stringify({ ...t, externalId, updatedAt: now, closedAt: now });
}

interface Answer {
  status: number;
  retryAfter: string | null;
  json: {
    status?: string;
    ticketId?: number;
    newVersion?: boolean;
    grading?: string;
    error?: { code: string };
  };
  /** Whether the ticket's row was committed when the answer arrived (read on another connection). */
  storedAtAnswer: boolean;
}

async function post(b: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${url}/webhooks/generic`, {
    method: 'POST',
    body: b,
    headers: { ...signedHeaders('generic', b), ...headers },
  });
  answeredCount++;
  const externalId = (JSON.parse(b) as { externalId: string }).externalId;
  const stored = await db.pool.query('SELECT 1 FROM tickets WHERE external_id = $1', [externalId]);
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    json: (await res.json()) as Answer['json'],
    storedAtAnswer: (stored.rowCount ?? 0) > 0,
  };
}

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

async function pending(): Promise<number> {
  return (await metrics.intakePending.get()).values[0]?.value ?? 0;
}

/** Groups the writer wrote with more than `rows` rows so far. */
async function groupsOver(rows: number): Promise<number> {
  const h = await metrics.intakeGroupRows.get();
  const count = h.values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
  const upTo = h.values.find((v) => v.labels.le === rows)?.value ?? 0;
  return count - upTo;
}

/**
 * Sends `bodies` so that they reach the writer while both of its slots are
 * busy, and returns their answers once the fillers are released. `whileGrouped`
 * runs after the fillers are released and before anything else is.
 */
async function asOneGroup(
  tag: string,
  bodies: { body: string; headers?: Record<string, string> }[],
  whileGrouped?: () => Promise<void>,
): Promise<Answer[]> {
  const fillers = [`${tag}-FILL-1`, `${tag}-FILL-2`];
  for (const f of fillers) await hold(f);
  const filled = [] as Promise<Answer>[];
  for (const [i, f] of fillers.entries()) {
    filled.push(post(body(f)));
    await waitFor(`filler ${f} waiting for its lock`, async () => (await lockWaiters()) === i + 1);
  }
  const answers = bodies.map((b) => post(b.body, b.headers));
  await waitFor(
    'every webhook waiting for a group',
    async () => (await pending()) === bodies.length,
  );
  for (const f of fillers) await release(f);
  for (const a of await Promise.all(filled)) expect(a.status).toBe(202);
  await whileGrouped?.();
  return Promise.all(answers);
}

describe('concurrent webhooks are written in groups', () => {
  it('ten webhooks in one group: all stored, each answered 202 only after the commit, jobs queued', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `GRP-${i}`);
    const before = await groupsOver(5);
    await hold('GRP-3'); // one of the group's tickets: the whole group waits for it
    const base = answeredCount;
    const all = await asOneGroup(
      'G1',
      ids.map((id) => ({ body: body(id) })),
      async () => {
        await waitFor('the group waiting for GRP-3', async () => (await lockWaiters()) === 1);
        // The group is formed and waits: nothing of it is committed, and nobody was answered
        // but the two fillers.
        const stored = await db.pool.query("SELECT 1 FROM tickets WHERE external_id LIKE 'GRP-%'");
        expect(stored.rowCount).toBe(0);
        expect(answeredCount).toBe(base + 2);
        await release('GRP-3');
      },
    );
    for (const a of all) {
      expect(a.status, JSON.stringify(a.json)).toBe(202);
      expect(a.json).toMatchObject({ status: 'accepted', newVersion: true, grading: 'scheduled' });
      expect(a.storedAtAnswer).toBe(true);
    }
    expect(await groupsOver(5)).toBe(before + 1);
    const rows = await db.pool.query<{ id: number; qc_status: string }>(
      "SELECT id, qc_status FROM tickets WHERE external_id LIKE 'GRP-%' ORDER BY id",
    );
    expect(rows.rows).toHaveLength(10);
    expect(new Set(rows.rows.map((r) => r.qc_status))).toEqual(new Set(['queued']));
    const jobs = await queue.getJobs(['delayed', 'waiting']);
    const queued = new Set(jobs.map((j) => (j.data as { ticketId: number }).ticketId));
    for (const r of rows.rows) expect(queued.has(r.id)).toBe(true);
  });

  it('one row PostgreSQL refuses fails alone: the rest of its group is stored', async () => {
    // A data exception for one ticket, raised by the database itself.
    await db.pool.query(`
      CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.external_id = 'MIX-BAD' THEN
          RAISE EXCEPTION 'refused by the test' USING ERRCODE = '22023';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_refuse BEFORE INSERT ON tickets FOR EACH ROW EXECUTE FUNCTION test_refuse();`);
    try {
      const ids = ['MIX-1', 'MIX-2', 'MIX-BAD', 'MIX-3', 'MIX-4'];
      const before = await groupsOver(2);
      const answers = await asOneGroup(
        'G2',
        ids.map((id) => ({ body: body(id) })),
      );
      expect(await groupsOver(2)).toBe(before + 1);
      const byId = new Map(ids.map((id, i) => [id, answers[i] as Answer]));
      expect(byId.get('MIX-BAD')?.status).toBe(400);
      expect(byId.get('MIX-BAD')?.json.error?.code).toBe('unstorable_value');
      for (const id of ids.filter((x) => x !== 'MIX-BAD')) {
        expect(byId.get(id)?.status, id).toBe(202);
        expect(byId.get(id)?.storedAtAnswer, id).toBe(true);
      }
      const stored = await db.pool.query<{ external_id: string }>(
        "SELECT external_id FROM tickets WHERE external_id LIKE 'MIX-%' ORDER BY external_id",
      );
      expect(stored.rows.map((r) => r.external_id)).toEqual(['MIX-1', 'MIX-2', 'MIX-3', 'MIX-4']);
    } finally {
      await db.pool.query('DROP TRIGGER test_refuse ON tickets; DROP FUNCTION test_refuse()');
    }
  });

  it('the same delivery twice in one group is stored once; the repeat is answered as a duplicate', async () => {
    const dup = body('DUP-1');
    const headers = { 'x-delivery-id': 'delivery-dup-1' };
    const before = await groupsOver(1);
    const answers = await asOneGroup('G3', [
      { body: dup, headers },
      { body: body('DUP-2') },
      { body: dup, headers },
    ]);
    expect(await groupsOver(1)).toBe(before + 1);
    const [first, other, repeat] = answers as [Answer, Answer, Answer];
    for (const a of answers) expect(a.status).toBe(202);
    expect(first.json).toMatchObject({ newVersion: true, grading: 'scheduled' });
    expect(other.json).toMatchObject({ newVersion: true, grading: 'scheduled' });
    expect(repeat.json).toMatchObject({
      newVersion: false,
      grading: 'duplicate_delivery',
      ticketId: first.json.ticketId,
    });
    const rows = await db.pool.query("SELECT 1 FROM tickets WHERE external_id = 'DUP-1'");
    expect(rows.rowCount).toBe(1);
    const deliveries = await db.pool.query(
      "SELECT 1 FROM webhook_deliveries WHERE delivery_id = 'delivery-dup-1'",
    );
    expect(deliveries.rowCount).toBe(1);
    // The sender retries later: still the same version.
    const later = await post(dup, headers);
    expect(later.json).toMatchObject({
      grading: 'duplicate_delivery',
      ticketId: first.json.ticketId,
    });
  });

  it('PostgreSQL down: every webhook of the group is answered 503 + Retry-After, and a retry stores each once', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `OUT-${i}`);
    const bodies = ids.map(body);
    await proxy.down();
    try {
      const answers = await Promise.all(bodies.map((b) => post(b)));
      for (const a of answers) {
        expect(a.status, JSON.stringify(a.json)).toBe(503);
        expect(a.retryAfter).toBe('5');
        expect(a.json.error?.code).toBe('database_unavailable');
        expect(a.storedAtAnswer).toBe(false);
      }
    } finally {
      await proxy.up();
    }
    // The senders retry once PostgreSQL is back: nothing was lost, nothing doubled.
    await waitFor('ready again', async () => (await fetch(`${url}/readyz`)).status === 200, 15_000);
    const retried = await Promise.all(bodies.map((b) => post(b)));
    for (const a of retried) {
      expect(a.status, JSON.stringify(a.json)).toBe(202);
      expect(a.json).toMatchObject({ status: 'accepted', newVersion: true });
    }
    const stored = await db.pool.query<{ external_id: string; n: number }>(
      `SELECT external_id, count(*)::int AS n FROM tickets WHERE external_id LIKE 'OUT-%'
       GROUP BY external_id ORDER BY external_id`,
    );
    expect(stored.rows).toEqual(ids.map((id) => ({ external_id: id, n: 1 })));
  });
});
