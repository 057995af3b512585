import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { adminUrl, REDIS_URL } from './urls.js';

/**
 * What `npm test` needs besides `npm ci`, as the README's "Quick start" lists
 * it. Checked once, in global setup, all at once and within about a second:
 * each missing piece is one line naming the command that provides it, instead
 * of a connection or launch error deep inside one test.
 */

const MIN_NODE = [20, 11] as const;
const CONNECT_TIMEOUT_MS = 1_500;

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const START_POSTGRES =
  'apt-get install -y postgresql, then pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start (local trust auth for the postgres user), or set TEST_DATABASE_URL';
const START_REDIS =
  'apt-get install -y redis-server, then redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no, or set TEST_REDIS_URL';

export async function checkPrerequisites(): Promise<void> {
  const problems = (
    await Promise.all([
      checkNode(),
      checkPostgres(),
      checkRedis(),
      checkRedisServer(),
      checkChromium(),
    ])
  ).filter((p): p is string => p !== undefined);
  if (problems.length === 0) return;
  const err = new Error(
    `npm test is missing ${problems.length === 1 ? 'a prerequisite' : `${problems.length} prerequisites`} (README "Quick start"):\n${problems
      .map((p) => `  - ${p}`)
      .join('\n')}`,
  );
  err.stack = err.message; // the list is the message; a stack into this file adds nothing
  throw err;
}

function checkNode(): string | undefined {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const [wantMajor, wantMinor] = MIN_NODE;
  if (major > wantMajor || (major === wantMajor && minor >= wantMinor)) return undefined;
  return `Node ${wantMajor}.${wantMinor} or later (this is ${process.version}): nvm install 20 (or a Node 20 LTS package from https://nodejs.org)`;
}

async function checkPostgres(): Promise<string | undefined> {
  const url = adminUrl();
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${redact(url)} (${reason(err)}): ${START_POSTGRES}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(): Promise<string | undefined> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let first: unknown;
  redis.on('error', (err) => {
    first ??= err; // reported below, once: the socket's error says more than "Connection is closed"
  });
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (err) {
    return `Redis at ${redact(REDIS_URL)} (${reason(first ?? err)}): ${START_REDIS}`;
  } finally {
    redis.disconnect();
  }
}

/** test/api/redis-outage.test.ts starts (and kills) a Redis of its own. */
function checkRedisServer(): string | undefined {
  if (onPath('redis-server')) return undefined;
  return 'the redis-server binary on PATH (a test starts and kills its own Redis): apt-get install -y redis-server';
}

/** The browser tests drive Chromium with playwright-core, which downloads no browser. */
function checkChromium(): string | undefined {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return undefined;
  } catch {
    return `Chromium at ${CHROMIUM_PATH} (for the browser tests; playwright-core brings none): apt-get install -y chromium, or set CHROMIUM_PATH to a Chromium or Chrome binary`;
  }
}

function onPath(bin: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, bin), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: { message?: string }[] };
  return e.code ?? e.errors?.[0]?.message ?? e.message ?? String(err);
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
