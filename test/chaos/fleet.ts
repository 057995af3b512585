import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Simulator } from '@ticket-qc/anthropic-simulator';
import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import pg from 'pg';
import { hmacHex } from '../../src/api/auth.js';
import { ContextStore, seedContext } from '../../src/context/store.js';
import { recordOrphanedAttempts } from '../../src/db/attempts.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { qcContextOf } from '../../src/qc/context.js';
import { QC_QUEUE, qcJobId } from '../../src/queue/jobs.js';

/**
 * The pieces of a chaos scenario: a database of its own, an API process (with
 * the reconciler) and worker processes, each a real `node workers/…` child,
 * webhook load, and the final count. Nothing here touches the shared
 * PostgreSQL or Redis beyond creating and dropping a database and a prefix.
 */

export const SECRET = 'chaos-secret';
const FIXTURE = JSON.parse(
  readFileSync(new URL('../fixtures/webhooks/generic/ticket.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

export interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function spawnProc(name: string, script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    name,
    child,
    output: () => out,
    exited: new Promise((r) => child.on('exit', (c) => r(c))),
  };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms: number) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface Db {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated, seeded database on the server at `serverUrl`. */
export async function createDb(serverUrl: string): Promise<Db> {
  const name = `tqc_chaos_${randomBytes(4).toString('hex')}`;
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const c = new pg.Client({ connectionString: admin.toString() });
  c.on('error', () => undefined);
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const pool = createPool(u.toString(), { max: 4 });
  await migrate(pool);
  await seedContext(pool, 'context');
  return {
    url: u.toString(),
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      const a = new pg.Client({ connectionString: admin.toString() });
      a.on('error', () => undefined);
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** Where the fleet's Redis is: a URL, or a Redis Cluster's seed nodes (the `cluster` scenario). */
export type RedisAt = string | { url: string; clusterNodes: string[] };

/** A client for the run's own counting and cleanup (offline queue on: waits for the slot map). */
export function connect(at: RedisAt): Redis | Cluster {
  const c =
    typeof at === 'string'
      ? new Redis(at, { maxRetriesPerRequest: 1 })
      : new Cluster(
          at.clusterNodes.map((n) => {
            const i = n.lastIndexOf(':');
            return { host: n.slice(0, i), port: Number(n.slice(i + 1)) };
          }),
          { redisOptions: { maxRetriesPerRequest: 1 } },
        );
  c.on('error', () => undefined);
  return c;
}

export interface FleetEnv {
  dbUrl: string;
  redisUrl: RedisAt;
  prefix: string;
  simUrl: string;
  apiPort: number;
  extra?: Record<string, string>;
}

export function fleetEnv(f: FleetEnv): Record<string, string> {
  return {
    DATABASE_URL: f.dbUrl,
    REDIS_URL: typeof f.redisUrl === 'string' ? f.redisUrl : f.redisUrl.url,
    ...(typeof f.redisUrl === 'string'
      ? {}
      : { REDIS_CLUSTER_NODES: f.redisUrl.clusterNodes.join(',') }),
    QUEUE_PREFIX: f.prefix,
    ANTHROPIC_BASE_URL: f.simUrl,
    ANTHROPIC_API_KEY: 'chaos',
    ANTHROPIC_TIMEOUT: '5s',
    ANTHROPIC_MAX_RETRY_WAIT: '1s',
    QC_SHADOW_RATE: '0',
    QC_DEBOUNCE: '0',
    QC_RECONCILE_INTERVAL: '1s',
    // Fast take-over of a killed worker's jobs (production defaults: 30 s / 15 s).
    QC_LOCK_DURATION: '4s',
    QC_STALLED_INTERVAL: '2s',
    QC_CONCURRENCY: '4',
    QC_JOB_ATTEMPTS: '5',
    // Recorded by the run itself once every worker has stopped.
    QC_ATTEMPT_ORPHAN_AFTER: '1h',
    PORT: String(f.apiPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    WEBHOOK_SECRET_GENERIC: SECRET,
    ...f.extra,
  };
}

/** Sends ticket i as a signed generic webhook; resolves to the HTTP status (0: no answer). */
export async function sendTicket(apiUrl: string, run: string, i: number): Promise<number> {
  const now = new Date().toISOString();
  const body = JSON.stringify({
    ...FIXTURE,
    externalId: `${run}-${i}`,
    subject: `Chaos ticket ${i}: Teams calls drop`,
    updatedAt: now,
    closedAt: now,
  });
  try {
    const res = await fetch(`${apiUrl}/webhooks/generic`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-signature': `sha256=${hmacHex(SECRET, body)}`,
      },
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/**
 * Sends `n` tickets, `concurrency` at a time; a 503 or no answer is retried
 * (what a help desk does) until accepted or `deadlineMs` passes.
 */
export async function load(
  apiUrl: string,
  run: string,
  n: number,
  opts: { concurrency?: number; deadlineMs?: number; onSent?: (i: number) => void } = {},
): Promise<{ accepted: number; refusedThenRetried: number }> {
  let next = 0;
  let accepted = 0;
  let retried = 0;
  const end = Date.now() + (opts.deadlineMs ?? 120_000);
  const one = async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      for (;;) {
        const s = await sendTicket(apiUrl, run, i);
        if (s === 202) {
          accepted++;
          opts.onSent?.(i);
          break;
        }
        retried++;
        if (Date.now() > end) break;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, one));
  return { accepted, refusedThenRetried: retried };
}

export interface Tally {
  ticketsIn: number;
  gradedOnce: number;
  duplicated: number;
  lost: number;
  deadLettered: number;
  deadReasons: Record<string, number>;
  paidAnswered: number;
  paidRecorded: number;
  estimated: number;
  unrecordedPaid: number;
  /** For each lost ticket: why it may be lost (job state in Redis, qc_status). */
  lostDetails: string[];
}

/** Waits for every accepted ticket to be graded or dead-lettered, then counts. */
export async function settle(
  db: Db,
  redisUrl: RedisAt,
  prefix: string,
  expected: number,
  timeoutMs: number,
): Promise<void> {
  const redis = connect(redisUrl);
  const queue = new Queue(QC_QUEUE, { connection: redis, prefix });
  queue.on('error', () => undefined);
  try {
    await until(
      `${expected} tickets graded or dead-lettered`,
      async () => {
        const g = await db.pool.query<{ n: number }>(
          'SELECT count(DISTINCT ticket_id)::int AS n FROM qc_results',
        );
        const failed = await queue.getFailedCount().catch(() => 0);
        return (g.rows[0]?.n ?? 0) + failed >= expected;
      },
      timeoutMs,
    ).catch(() => undefined);
  } finally {
    await queue.close().catch(() => undefined);
    redis.disconnect();
  }
}

export async function tally(
  db: Db,
  redisUrl: RedisAt,
  prefix: string,
  sim: Simulator,
): Promise<Tally> {
  // Every process has stopped: whatever attempt is unclaimed is an orphan.
  const orphans = await recordOrphanedAttempts(db.pool, 0);
  const q = async <T>(sql: string) => (await db.pool.query(sql)).rows as T[];
  const [tickets] = await q<{ n: number }>(
    "SELECT count(*)::int AS n FROM tickets WHERE qc_status <> 'superseded'",
  );
  const perTicket = await q<{ n: number }>(
    'SELECT count(*)::int AS n FROM qc_results GROUP BY ticket_id',
  );
  const [calls] = await q<{ n: number; est: number }>(
    "SELECT count(*)::int AS n, count(*) FILTER (WHERE details->>'estimated' = 'true')::int AS est FROM agent_events WHERE kind = 'llm_call'",
  );
  const redis = connect(redisUrl);
  const queue = new Queue(QC_QUEUE, { connection: redis, prefix });
  queue.on('error', () => undefined);
  const failed = await queue.getFailed(0, 10_000).catch(() => []);
  const contextVersion = qcContextOf(await new ContextStore(db.pool).active()).version;
  const deadIds = new Set<number>();
  const deadReasons: Record<string, number> = {};
  for (const j of failed) {
    const t = (j.data as { ticketId?: number }).ticketId;
    if (t) deadIds.add(t);
    const reason = (j.failedReason ?? '?').replace(/\d+/g, 'N').slice(0, 80);
    deadReasons[reason] = (deadReasons[reason] ?? 0) + 1;
  }
  const graded = await q<{ ticket_id: number }>('SELECT DISTINCT ticket_id FROM qc_results');
  const gradedIds = new Set(graded.map((r) => r.ticket_id));
  const waiting = await q<{ id: number; qc_status: string; content_hash: string }>(
    "SELECT id, qc_status, content_hash FROM tickets WHERE qc_status <> 'superseded'",
  );
  const lostRows = waiting.filter((t) => !gradedIds.has(t.id) && !deadIds.has(t.id));
  const lostDetails: string[] = [];
  for (const t of lostRows.slice(0, 10)) {
    const jobId = qcJobId(t.content_hash, contextVersion);
    const state = await queue.getJobState(jobId).catch(() => '?');
    const hash = await redis.exists(`${prefix}:${QC_QUEUE}:${jobId}`).catch(() => '?');
    lostDetails.push(
      `ticket ${t.id} qc_status ${t.qc_status}, job ${jobId.slice(0, 11)}… state ${state}, hash exists ${hash}`,
    );
  }
  await queue.close().catch(() => undefined);
  redis.disconnect();
  const lost = lostRows.length;
  const answered = sim
    .requests()
    .filter((r) => r.path.startsWith('/v1/messages') && r.status === 200).length;
  const recorded = calls?.n ?? 0;
  void orphans;
  return {
    ticketsIn: tickets?.n ?? 0,
    gradedOnce: perTicket.filter((r) => r.n === 1).length,
    duplicated: perTicket.filter((r) => r.n > 1).length,
    lost,
    deadLettered: deadIds.size,
    deadReasons,
    paidAnswered: answered,
    paidRecorded: recorded,
    estimated: calls?.est ?? 0,
    unrecordedPaid: Math.max(0, answered - recorded),
    lostDetails,
  };
}

export async function cleanPrefix(redisUrl: RedisAt, prefix: string): Promise<void> {
  const redis = connect(redisUrl);
  try {
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        // On a Cluster, keys of different slots cannot share a DEL.
        if (redis instanceof Cluster) for (const k of keys) await node.del(k);
        else if (keys.length) await node.del(...keys);
      } while (cursor !== '0');
    }
  } catch {
    // a private Redis already gone
  } finally {
    redis.disconnect();
  }
}

export async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  const t = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
  await p.exited;
  clearTimeout(t);
}
