/**
 * `npm run bench -- memory`: the QC worker's resident memory over many
 * tickets at concurrency 50 (BENCH_MEMORY_TICKETS, default 10,000), against a
 * no-op BullMQ worker on the same number of jobs in the same run. Both run as
 * their own process; RSS (VmRSS from /proc) is sampled at each tenth of the
 * jobs done. Growth after warm-up is the slope from 20 % to 100 % of the jobs,
 * per 1,000 tickets: a leak shows as a steady positive slope. The simulator
 * answers at once (latency 0) so the worker, not the model, sets the pace;
 * it grades from context/, never from gold labels.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '@ticket-qc/anthropic-simulator';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createBenchDb } from './db.js';
import { rssMb } from './procs.js';
import type { SummaryRow } from './report.js';

const TICKETS = Number(process.env.BENCH_MEMORY_TICKETS ?? 10_000);
const CONCURRENCY = 50;
const HERE = fileURLToPath(import.meta.url);
const WORKER = fileURLToPath(new URL('../workers/qc-worker.ts', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Curve {
  name: string;
  /** [jobs done, RSS MB] at each tenth. */
  points: [number, number][];
  seconds: number;
}

/** Child mode: a BullMQ worker whose processor does nothing. */
async function noop(prefix: string): Promise<void> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const w = new Worker('qc', async () => undefined, {
    connection,
    prefix,
    concurrency: CONCURRENCY,
  });
  process.once('SIGTERM', () => void w.close().then(() => process.exit(0)));
}

async function* rows(tag: string, n: number): AsyncGenerator<Buffer> {
  const lines = (await readFile('examples/tickets.jsonl', 'utf8')).split('\n').filter(Boolean);
  for (let i = 0; i < n; i++) {
    const row = JSON.parse(lines[i % lines.length] as string) as { ticket: { externalId: string } };
    row.ticket.externalId = `${tag}-${i}`;
    yield Buffer.from(`${JSON.stringify(row)}\n`);
  }
}

async function curve(
  name: string,
  child: (prefix: string) => ChildProcess,
  done: () => Promise<number>,
  prefix: string,
): Promise<Curve> {
  const p = child(prefix);
  const points: [number, number][] = [];
  const started = performance.now();
  try {
    let next = TICKETS / 10;
    for (;;) {
      const n = await done();
      if (n >= next || n >= TICKETS) {
        points.push([n, await rssMb(p.pid as number)]);
        next += TICKETS / 10;
      }
      if (n >= TICKETS) break;
      if (p.exitCode !== null) throw new Error(`${name} exited ${p.exitCode}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    p.kill('SIGKILL');
  }
  return { name, points, seconds: (performance.now() - started) / 1000 };
}

async function clean(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

function slopePer1000(c: Curve): number {
  const pts = c.points.filter(([n]) => n >= TICKETS * 0.2);
  const first = pts[0];
  const last = pts.at(-1);
  if (!first || !last || last[0] === first[0]) return 0;
  return ((last[1] - first[1]) / (last[0] - first[0])) * 1000;
}

export async function run(): Promise<{ markdown: string; summary: SummaryRow[] }> {
  const { createPool } = await import('../src/db/pool.js');
  const { importFile } = await import('../src/import/import.js');
  const { ContextStore } = await import('../src/context/store.js');
  const { qcContextOf } = await import('../src/qc/context.js');
  const { enqueueQc } = await import('../src/queue/enqueue.js');
  const db = await createBenchDb('memory', { contextDir: 'context' });
  const pool = createPool(db.url, { max: 2 });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const sim = await startSimulator({ latencyMs: 0 });
  const prefixes = [`tqc-bench-mem-${process.pid}-noop`, `tqc-bench-mem-${process.pid}-qc`];
  try {
    await importFile(pool, '-', {
      stdin: Readable.from(rows(`MEM-${process.pid}`, TICKETS)),
      rejectsPath: '/dev/null',
    });
    const version = qcContextOf(await new ContextStore(pool).active()).version;
    const tickets = await pool.query<{ id: number; content_hash: string }>(
      'SELECT id, content_hash FROM tickets ORDER BY id',
    );
    const queues: Queue[] = [];
    for (const prefix of prefixes) {
      const q = new Queue('qc', { connection: redis, prefix });
      queues.push(q);
      for (const t of tickets.rows)
        await enqueueQc(
          q,
          { ticketId: t.id, contentHash: t.content_hash, contextVersion: version, via: 'realtime' },
          { attempts: 5, failedRetentionMs: 3_600_000 },
        );
    }
    const noopQ = queues[0] as Queue;
    // Completed jobs are trimmed: the no-op's progress is what has left the queue.
    const noopDone = async () => TICKETS - (await noopQ.count());
    const base = await curve(
      'no-op BullMQ worker',
      (prefix) =>
        spawn(process.execPath, ['--import', 'tsx', HERE, '--noop', prefix], {
          stdio: ['ignore', 'ignore', 'inherit'],
        }),
      noopDone,
      prefixes[0] as string,
    );
    const graded = async () =>
      Number(
        (await pool.query<{ n: string }>('SELECT count(*) AS n FROM qc_results')).rows[0]?.n ?? 0,
      );
    const qc = await curve(
      'QC worker',
      (prefix) =>
        spawn(process.execPath, ['--import', 'tsx', WORKER], {
          env: {
            ...process.env,
            DATABASE_URL: db.url,
            REDIS_URL,
            QUEUE_PREFIX: prefix,
            ANTHROPIC_BASE_URL: sim.url,
            QC_CONCURRENCY: String(CONCURRENCY),
            LOG_LEVEL: 'error',
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        }),
      graded,
      prefixes[1] as string,
    );
    for (const q of queues) await q.close();
    const fmt = (c: Curve) =>
      `| ${c.name} | ${c.points.map(([, mb]) => Math.round(mb)).join(' → ')} | ${Math.round(Math.max(...c.points.map(([, mb]) => mb)))} MB | ${slopePer1000(c).toFixed(2)} MB | ${(TICKETS / c.seconds).toFixed(0)}/s |`;
    const peakQc = Math.max(...qc.points.map(([, mb]) => mb));
    const peakBase = Math.max(...base.points.map(([, mb]) => mb));
    const markdown = [
      `${TICKETS.toLocaleString('en-US')} tickets at concurrency ${CONCURRENCY}, one process each, simulator at 0 ms (it grades from context/, never from gold labels). RSS at each tenth of the jobs done.`,
      '',
      '| process | RSS MB at 10 %, 20 %, … 100 % | peak | growth per 1,000 tickets after 20 % | jobs/s |',
      '| --- | --- | ---: | ---: | ---: |',
      fmt(base),
      fmt(qc),
      '',
      `QC worker / no-op: **${(peakQc / peakBase).toFixed(2)}×** peak RSS. A slope within a few tenths of a MB per 1,000 tickets is GC noise, not growth; a leak keeps rising over every tenth.`,
    ].join('\n');
    return {
      markdown,
      summary: [
        {
          figure: `worker peak RSS, ${TICKETS.toLocaleString('en-US')} tickets at concurrency ${CONCURRENCY}`,
          value: `${Math.round(peakQc)} MB`,
          baseline: `${Math.round(peakBase)} MB (no-op BullMQ worker)`,
          ratio: `${(peakQc / peakBase).toFixed(2)}×`,
          goal: 'no growth after warm-up',
        },
        {
          figure: 'worker RSS growth per 1,000 tickets after 20 %',
          value: `${slopePer1000(qc).toFixed(2)} MB`,
          baseline: `${slopePer1000(base).toFixed(2)} MB`,
          ratio: '—',
          goal: '≈ 0',
        },
      ],
    };
  } finally {
    await sim.close();
    for (const p of prefixes) await clean(redis, p);
    redis.disconnect();
    await pool.end();
    await db.drop();
  }
}

if (process.argv[2] === '--noop') await noop(process.argv[3] as string);
