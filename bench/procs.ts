/**
 * Process plumbing shared by the worker benches (overhead, latency): CPU time
 * of a process from /proc, PostgreSQL backends of one database, children that
 * announce they are ready on stdout, and the counts of bench/pg-count.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import type pg from 'pg';

const TICK_MS = 10; // CLK_TCK is 100 on Linux

/** utime + stime of a process in ms; undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5); f[0] is field 3.
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/**
 * A memory figure of a process (or of this one, 'self') from /proc/<pid>/status,
 * in MB: VmRSS, resident now; VmHWM, the peak since start or since the mark was
 * reset (`clear_refs`). Undefined once the process is gone.
 */
export async function statusMb(
  pid: number | 'self',
  field: 'VmRSS' | 'VmHWM',
): Promise<number | undefined> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = s && new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s)?.[1];
  return kb ? Number(kb) / 1024 : undefined;
}

/** Resident memory of a process in MB; 0 once it is gone. */
export async function rssMb(pid: number): Promise<number> {
  return (await statusMb(pid, 'VmRSS')) ?? 0;
}

/**
 * CPU of every client backend of one database (pids from pg_stat_activity,
 * this bench's own connections left out by application_name), polled so that
 * backends that appear during a pass are counted from their start and the
 * last reading of each is kept.
 */
export class BackendCpu {
  private readonly start = new Map<number, number>();
  private readonly last = new Map<number, number>();
  constructor(
    private readonly admin: pg.Pool,
    private readonly database: string,
  ) {}

  async poll(): Promise<void> {
    const r = await this.admin.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = $1 AND backend_type = 'client backend'
          AND application_name NOT LIKE 'bench%' AND pid <> pg_backend_pid()`,
      [this.database],
    );
    for (const { pid } of r.rows) {
      const ms = cpuMs(pid);
      if (ms === undefined) continue;
      // A backend first seen mid-pass started during it: all of its CPU counts.
      if (!this.last.has(pid)) this.start.set(pid, this.started ? 0 : ms);
      this.last.set(pid, ms);
    }
  }

  private started = false;
  async begin(): Promise<void> {
    await this.poll();
    this.started = true;
  }

  total(): number {
    let ms = 0;
    for (const [pid, last] of this.last) ms += last - (this.start.get(pid) ?? 0);
    return ms;
  }
}

/** Spawns a node child and resolves once a stdout line matches `ready`; rejects on exit or timeout. */
export async function spawnReady(
  name: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; ready: RegExp; timeoutMs?: number },
): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, args, {
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(new Error(`${name} did not become ready in ${opts.timeoutMs ?? 60_000} ms`));
    }, opts.timeoutMs ?? 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (done) return; // keep draining the pipe, nothing else
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      const line = lines.find((l) => opts.ready.test(l));
      if (line) {
        done = true;
        clearTimeout(timer);
        resolve({ child, line });
      }
    });
    child.once('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready`));
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export async function stop(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

export const PG_COUNT = fileURLToPath(new URL('./pg-count.ts', import.meta.url));

/** Asks a child running bench/pg-count.ts for its counts (SIGUSR2) and waits for the new snapshot. */
export async function pgCounts(
  child: ChildProcess,
  file: string,
): Promise<{ checkouts: number; statements: number }> {
  const read = () => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as {
        seq: number;
        checkouts: number;
        statements: number;
      };
    } catch {
      return undefined;
    }
  };
  const before = read()?.seq ?? 0;
  child.kill('SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = read();
    if (now && now.seq > before) return now;
    if (Date.now() > deadline) throw new Error('pg-count: no snapshot from the child in 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Deletes every key of a bench's queue prefix. */
export async function cleanPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** What INFO answers: an ioredis client, or anything with its `info`. */
export interface RedisInfo {
  info(section: string): Promise<string>;
}

/**
 * The whole Redis server's CPU (user + system, ms) and commands processed so
 * far, from INFO: shared with whatever else uses that server.
 */
export async function redisUsage(redis: RedisInfo): Promise<{ cpuMs: number; commands: number }> {
  const [cpu, stats] = await Promise.all([redis.info('cpu'), redis.info('stats')]);
  const num = (text: string, k: string) =>
    Number(new RegExp(`^${k}:(\\S+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    cpuMs: (num(cpu, 'used_cpu_user') + num(cpu, 'used_cpu_sys')) * 1000,
    commands: num(stats, 'total_commands_processed'),
  };
}
