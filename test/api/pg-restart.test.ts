import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { waitFor } from '../helpers/pipeline.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { adminUrl, REDIS_URL, serverUrl } from '../helpers/urls.js';
import { fixture, secretEnv, signedHeaders } from './helpers.js';

/**
 * Issue 10, defect 2: PostgreSQL terminating connections that are checked
 * out (a restart, pg_terminate_backend) must not crash `serve`. The API runs
 * in its own process, reaching PostgreSQL and Redis through proxies the test
 * can cut or freeze; the shared servers are never touched.
 */

let db: TestDb;
let pgProxy: TcpProxy;
let redisProxy: TcpProxy;
let child: ChildProcess | undefined;
const prefix = testPrefix();
const lines: Record<string, unknown>[] = [];
let raw = '';

beforeAll(async () => {
  db = await createTestDb();
  pgProxy = await startTcpProxy(Number(serverUrl().port || 5432));
  redisProxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
  await pgProxy?.close();
  await redisProxy?.close();
  await cleanPrefix(prefix);
  await db?.drop();
});

function body(externalId: string): string {
  const t = JSON.parse(fixture('generic/ticket.json')) as Record<string, unknown>;
  const now = new Date().toISOString();
  return JSON.stringify({ ...t, externalId, updatedAt: now, closedAt: now });
}

async function post(url: string, externalId: string) {
  const b = body(externalId);
  const res = await fetch(`${url}/webhooks/generic`, {
    method: 'POST',
    body: b,
    headers: signedHeaders('generic', b),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
}

async function terminateApiBackends(): Promise<number> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    const r = await admin.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND application_name = 'api'`,
      [db.name],
    );
    return r.rows[0]?.n ?? 0;
  } finally {
    await admin.end();
  }
}

describe('serve while PostgreSQL drops its connections', () => {
  it('survives terminated checked-out clients, answers 503 + Retry-After while down, recovers', async () => {
    const viaProxy = new URL(db.url);
    viaProxy.port = String(pgProxy.port);
    child = spawn(process.execPath, ['--import', 'tsx', 'workers/api.ts'], {
      env: {
        ...process.env,
        ...secretEnv,
        DATABASE_URL: viaProxy.toString(),
        REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
        QUEUE_PREFIX: prefix,
        PORT: '0',
        LOG_LEVEL: 'info',
        QC_DEBOUNCE: '1s',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (d: Buffer) => {
      raw += d;
      const parts = raw.split('\n');
      raw = parts.pop() ?? '';
      for (const l of parts) {
        if (!l.trim()) continue;
        try {
          lines.push(JSON.parse(l) as Record<string, unknown>);
        } catch {
          lines.push({ msg: 'NOT JSON', text: l });
        }
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const listening = await waitFor(
      'api listening',
      async () => lines.find((l) => l.msg === 'api listening'),
      30_000,
    );
    const url = listening.url as string;
    expect((await post(url, 'PG-0')).status).toBe(202);

    // Redis freezes: the intake writer stores the tickets, then holds its
    // checked-out client (and the tickets' locks) while the enqueue waits out its
    // timeout. Concurrent webhooks are grouped (queue/intake-writer.ts, at most
    // two groups at once), so the three are held by one or two connections.
    redisProxy.pause();
    const inFlight = ['PG-1', 'PG-2', 'PG-3'].map((id) => post(url, id));
    await waitFor('three stored tickets', async () => {
      const r = await db.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM tickets WHERE external_id IN ('PG-1','PG-2','PG-3')",
      );
      return r.rows[0]?.n === 3;
    });
    // PostgreSQL terminates them while they wait (what a fast shutdown does).
    const held = await db.pool.query<{ n: number }>(
      `SELECT count(DISTINCT a.pid)::int AS n FROM pg_stat_activity a
         JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
        WHERE a.datname = current_database() AND a.application_name = 'api'`,
    );
    expect(held.rows[0]?.n ?? 0).toBeGreaterThanOrEqual(1);
    expect(await terminateApiBackends()).toBeGreaterThanOrEqual(held.rows[0]?.n ?? 1);
    for (const r of await Promise.all(inFlight)) {
      // Stored before the connection went: acknowledged, the reconciler queues them.
      expect(r.status, r.body).toBe(202);
    }
    expect(child.exitCode).toBeNull();
    redisProxy.resume();

    // PostgreSQL unreachable: refused with 503 and Retry-After, nothing acknowledged.
    await pgProxy.down();
    await terminateApiBackends();
    const down = await post(url, 'PG-4');
    expect(down.status, down.body).toBe(503);
    expect(down.retryAfter).toBe('5');
    expect(JSON.parse(down.body).error.code).toBe('database_unavailable');
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);

    // PostgreSQL is back: ready again within seconds, and webhooks are stored.
    await pgProxy.up();
    await waitFor('ready again', async () => (await fetch(`${url}/readyz`)).status === 200, 15_000);
    expect((await post(url, 'PG-4')).status).toBe(202);
    expect(child.exitCode).toBeNull();
    const stored = await db.pool.query<{ external_id: string }>(
      'SELECT external_id FROM tickets ORDER BY external_id',
    );
    expect(stored.rows.map((r) => r.external_id)).toEqual(['PG-0', 'PG-1', 'PG-2', 'PG-3', 'PG-4']);
    expect(lines.some((l) => /connection lost while checked out/.test(String(l.msg)))).toBe(true);
    expect(lines.filter((l) => l.msg === 'NOT JSON')).toEqual([]);
  });
});
