/**
 * `npm run bench -- overhead` (issue 13, point 1): what the QC worker costs
 * around the model. The real worker process (workers/qc-worker.ts) grades
 * BENCH_OVERHEAD_WARMUP stored tickets (default 2,000), then
 * BENCH_OVERHEAD_TICKETS more (default 4,000: the measured window), at
 * concurrency 50 against the simulator at 0 ms latency, and a no-op BullMQ
 * worker takes the same jobs in the same run (the baseline), and so does a
 * hand-written loop around the SDK (read the ticket, one Messages call with
 * the SDK's default client, one INSERT: what a buyer would write instead of
 * this product, and so the second baseline). Each runs as its own
 * process; the simulator runs in a third, so CPU per ticket is reported for
 * the worker, the simulator and PostgreSQL (the database's client backends)
 * separately, from /proc/<pid>/stat, over the measured window only: start-up
 * is excluded (the jobs wait in a paused queue until the process is ready),
 * and so is the warm-up, whose first tickets run before V8 has optimized the
 * hot paths; a worker is a long-running process, so the window is what a
 * ticket costs it. The warm-up's own CPU per ticket is reported beside. Pool
 * checkouts and statements per ticket come from bench/pg-count.ts preloaded
 * into the worker. Completions are counted from QueueEvents; a pass that has
 * not finished in its time limit, or any failed job, fails the bench.
 *
 * The simulator grades from context/, never from gold labels; its figures
 * are not a model's.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '@ticket-qc/anthropic-simulator';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createBenchDb } from './db.js';
import {
  BackendCpu,
  cleanPrefix,
  cpuMs,
  PG_COUNT,
  pgCounts,
  type RedisInfo,
  redisUsage,
  spawnReady,
  stop,
} from './procs.js';
import type { SummaryRow } from './report.js';

const TICKETS = Number(process.env.BENCH_OVERHEAD_TICKETS ?? 4_000);
const WARMUP = Number(process.env.BENCH_OVERHEAD_WARMUP ?? 2_000);
/** Tickets each process grades: the warm-up, then the window. */
const ALL = WARMUP + TICKETS;
const CONCURRENCY = Number(process.env.BENCH_OVERHEAD_CONCURRENCY ?? 50);
const HERE = fileURLToPath(import.meta.url);
const WORKER = fileURLToPath(new URL('../workers/qc-worker.ts', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Child mode: a BullMQ worker whose processor does nothing. */
async function noop(prefix: string, concurrency: number): Promise<void> {
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const w = new Worker('qc', async () => undefined, { connection, prefix, concurrency });
  await w.waitUntilReady();
  process.once('SIGTERM', () => void w.close().then(() => process.exit(0)));
  process.stdout.write('READY\n');
}

/**
 * Child mode: what a buyer would write by hand around the SDK — the baseline
 * the QC worker's extra work is measured against. A BullMQ worker whose
 * processor reads the ticket (one pooled query), makes a Messages request
 * like the QC worker's first call (the active context's cached system blocks
 * and verdict tool; the stored ticket as plain JSON, not the worker's leaner
 * escaped block) with the SDK's default client (its own fetch, retries, no
 * middleware), and stores the answer in one INSERT. It does none of the product's work: no attempt journal, rate
 * limiter, validation of the tool input, tier-up, second opinion, escalation,
 * event, write-back or log line; one model call per ticket.
 */
async function loop(
  prefix: string,
  concurrency: number,
  databaseUrl: string,
  baseURL: string,
): Promise<void> {
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  const { ContextStore } = await import('../src/context/store.js');
  const { qcContextOf, systemBlocks, VERDICT_TOOL } = await import('../src/qc/context.js');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: concurrency });
  const ctx = qcContextOf(await new ContextStore(pool).active());
  const system = systemBlocks(ctx);
  const model = process.env.QC_MODEL ?? 'claude-haiku-4-5-20251001';
  const client = new Anthropic({ apiKey: 'simulator-local-key', baseURL });
  await pool.query(
    'CREATE TABLE IF NOT EXISTS bench_loop_results (ticket_id bigint PRIMARY KEY, answer jsonb NOT NULL)',
  );
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const w = new Worker(
    'qc',
    async (job) => {
      const id = (job.data as { ticketId: number }).ticketId;
      const t = await pool.query<{ ticket: unknown }>('SELECT ticket FROM tickets WHERE id = $1', [
        id,
      ]);
      const msg = await client.messages.create({
        model,
        max_tokens: 4096,
        system,
        tools: [ctx.tool],
        tool_choice: { type: 'tool', name: VERDICT_TOOL },
        messages: [{ role: 'user', content: JSON.stringify(t.rows[0]?.ticket) }],
      });
      const tool = msg.content.find((b) => b.type === 'tool_use');
      await pool.query(
        'INSERT INTO bench_loop_results (ticket_id, answer) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [id, JSON.stringify({ input: tool?.input ?? null, usage: msg.usage })],
      );
    },
    { connection, prefix, concurrency },
  );
  await w.waitUntilReady();
  process.once('SIGTERM', () => void w.close().then(() => pool.end().then(() => process.exit(0))));
  process.stdout.write('READY\n');
}

/** Child mode: the simulator in its own process, so its CPU is its own. */
async function simulator(latencyMs: number): Promise<void> {
  const sim = await startSimulator({ latencyMs });
  process.once('SIGTERM', () => void sim.close().then(() => process.exit(0)));
  process.stdout.write(`READY ${sim.url}\n`);
}

export async function* ticketRows(tag: string, n: number): AsyncGenerator<Buffer> {
  const lines = (await readFile('examples/tickets.jsonl', 'utf8')).split('\n').filter(Boolean);
  for (let i = 0; i < n; i++) {
    const row = JSON.parse(lines[i % lines.length] as string) as { ticket: { externalId: string } };
    row.ticket.externalId = `${tag}-${i}`;
    yield Buffer.from(`${JSON.stringify(row)}\n`);
  }
}

export interface PassResult {
  name: string;
  /** Jobs completed in the measured window (after the warm-up). */
  n: number;
  seconds: number;
  workerMs: number;
  /** Jobs completed in the warm-up, and the worker's CPU over them. */
  warmup: { n: number; workerMs: number };
  simMs: number;
  pgMs: number;
  /** The whole Redis server's CPU over the window (INFO cpu). */
  redisMs: number;
  checkouts?: number;
  statements?: number;
}

/**
 * One pass: the jobs wait in a paused queue; the child starts and says it is
 * ready; the queue resumes; once `warmup` jobs have completed, CPU and
 * counters are read; the pass ends at the (warmup + n)-th 'completed' event
 * (a 'failed' event or the time limit fails it), and the window is the jobs
 * completed between the two readings.
 */
export async function pass(o: {
  name: string;
  queue: Queue;
  events: QueueEvents;
  warmup: number;
  n: number;
  start: () => Promise<ChildProcess>;
  sim?: ChildProcess | undefined;
  backends?: BackendCpu | undefined;
  /** Where the whole Redis server's CPU is read (INFO cpu). */
  redis: RedisInfo;
  countFile?: string | undefined;
  timeoutMs: number;
}): Promise<PassResult> {
  const child = await o.start();
  try {
    const pid = child.pid as number;
    let completed = 0;
    let failed: string | undefined;
    const onCompleted = () => void completed++;
    const onFailed = ({ jobId, failedReason }: { jobId: string; failedReason: string }) => {
      failed ??= `job ${jobId}: ${failedReason}`;
    };
    o.events.on('completed', onCompleted);
    o.events.on('failed', onFailed);
    const { backends } = o;
    const wStart = cpuMs(pid) ?? 0;
    const t0 = performance.now();
    const total = o.warmup + o.n;
    const wait = async (until: number, poll?: () => Promise<void>) => {
      while (completed < until) {
        if (failed) throw new Error(`${o.name}: a job failed (${failed})`);
        if (child.exitCode !== null) throw new Error(`${o.name}: exited ${child.exitCode}`);
        if (performance.now() - t0 > o.timeoutMs)
          throw new Error(
            `${o.name}: only ${completed} of ${total} jobs completed in ${o.timeoutMs / 1000} s`,
          );
        await poll?.();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await o.queue.resume();
    try {
      await wait(o.warmup);
      const warm = { n: completed, workerMs: (cpuMs(pid) ?? 0) - wStart };
      const counts0 = o.countFile ? await pgCounts(child, o.countFile) : undefined;
      await backends?.begin();
      const r0 = (await redisUsage(o.redis)).cpuMs;
      const from = completed;
      const w0 = cpuMs(pid) ?? 0;
      const s0 = o.sim ? (cpuMs(o.sim.pid as number) ?? 0) : 0;
      const t1 = performance.now();
      await wait(total, backends && (() => backends.poll()));
      const seconds = (performance.now() - t1) / 1000;
      const workerMs = (cpuMs(pid) ?? 0) - w0;
      const simMs = o.sim ? (cpuMs(o.sim.pid as number) ?? 0) - s0 : 0;
      const redisMs = (await redisUsage(o.redis)).cpuMs - r0;
      await backends?.poll();
      const counts1 = o.countFile ? await pgCounts(child, o.countFile) : undefined;
      return {
        name: o.name,
        n: completed - from,
        seconds,
        workerMs,
        warmup: warm,
        simMs,
        pgMs: backends?.total() ?? 0,
        redisMs,
        ...(counts0 && counts1
          ? {
              checkouts: counts1.checkouts - counts0.checkouts,
              statements: counts1.statements - counts0.statements,
            }
          : {}),
      };
    } finally {
      o.events.off('completed', onCompleted);
      o.events.off('failed', onFailed);
    }
  } finally {
    await stop(child, 60_000);
  }
}

/** The real worker process, preloaded with the pg counters. */
export function qcWorkerArgs(): string[] {
  const prof = process.env.BENCH_CPU_PROF;
  return [
    ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
    '--import',
    'tsx',
    '--import',
    PG_COUNT,
    WORKER,
  ];
}

export async function run(): Promise<{ markdown: string; summary: SummaryRow[] }> {
  const { createPool } = await import('../src/db/pool.js');
  const { importFile } = await import('../src/import/import.js');
  const { ContextStore } = await import('../src/context/store.js');
  const { qcContextOf } = await import('../src/qc/context.js');
  const { enqueueQc } = await import('../src/queue/enqueue.js');
  const db = await createBenchDb('overhead', { contextDir: 'context' });
  const pool = createPool(db.url, { max: 2, applicationName: 'bench-overhead' });
  const admin = new pg.Pool({ connectionString: db.url, max: 1, application_name: 'bench-admin' });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const tmp = mkdtempSync(join(tmpdir(), 'tqc-overhead-'));
  const prefixes = [
    `tqc-bench-ovh-${process.pid}-noop`,
    `tqc-bench-ovh-${process.pid}-qc`,
    `tqc-bench-ovh-${process.pid}-loop`,
  ];
  const queues: Queue[] = [];
  const events: QueueEvents[] = [];
  const conns: Redis[] = [];
  let sim: ChildProcess | undefined;
  try {
    await importFile(pool, '-', {
      stdin: Readable.from(ticketRows(`OVH-${process.pid}`, ALL)),
      rejectsPath: '/dev/null',
    });
    const version = qcContextOf(await new ContextStore(pool).active()).version;
    const tickets = await pool.query<{ id: number; content_hash: string }>(
      'SELECT id, content_hash FROM tickets ORDER BY id',
    );
    for (const prefix of prefixes) {
      const q = new Queue('qc', { connection: redis, prefix });
      await q.pause();
      queues.push(q);
      const conn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
      conns.push(conn);
      const ev = new QueueEvents('qc', { connection: conn, prefix });
      await ev.waitUntilReady();
      events.push(ev);
      for (const t of tickets.rows)
        await enqueueQc(
          q,
          { ticketId: t.id, contentHash: t.content_hash, contextVersion: version, via: 'realtime' },
          { attempts: 5, failedRetentionMs: 3_600_000 },
        );
    }
    const timeoutMs = 120_000 + ALL * 100;
    const base = await pass({
      name: 'no-op BullMQ worker',
      queue: queues[0] as Queue,
      events: events[0] as QueueEvents,
      warmup: WARMUP,
      n: TICKETS,
      redis,
      timeoutMs,
      start: async () =>
        (
          await spawnReady(
            'no-op worker',
            ['--import', 'tsx', HERE, '--noop', prefixes[0] as string, String(CONCURRENCY)],
            { ready: /^READY/ },
          )
        ).child,
    });
    const started = await spawnReady('simulator', ['--import', 'tsx', HERE, '--sim', '0'], {
      ready: /^READY /,
    });
    sim = started.child;
    const simUrl = started.line.split(' ')[1] as string;
    const loopPass = await pass({
      name: 'hand-written SDK loop',
      queue: queues[2] as Queue,
      events: events[2] as QueueEvents,
      warmup: WARMUP,
      n: TICKETS,
      redis,
      timeoutMs,
      sim,
      backends: new BackendCpu(admin, db.name),
      start: async () =>
        (
          await spawnReady(
            'SDK loop',
            [
              '--import',
              'tsx',
              HERE,
              '--loop',
              prefixes[2] as string,
              String(CONCURRENCY),
              db.url,
              simUrl,
            ],
            { ready: /^READY/ },
          )
        ).child,
    });
    const rows = async (sql: string) =>
      Number((await pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
    const looped = await rows('SELECT count(*) AS n FROM bench_loop_results');
    if (looped !== ALL) throw new Error(`SDK loop: ${looped} answers stored for ${ALL} tickets`);
    const countFile = join(tmp, 'pg-count.json');
    const qc = await pass({
      name: 'QC worker',
      queue: queues[1] as Queue,
      events: events[1] as QueueEvents,
      warmup: WARMUP,
      n: TICKETS,
      redis,
      timeoutMs,
      sim,
      backends: new BackendCpu(admin, db.name),
      countFile,
      start: async () =>
        (
          await spawnReady('QC worker', qcWorkerArgs(), {
            ready: /qc worker started/,
            env: {
              ...process.env,
              DATABASE_URL: db.url,
              REDIS_URL,
              QUEUE_PREFIX: prefixes[1] as string,
              ANTHROPIC_BASE_URL: simUrl,
              QC_CONCURRENCY: String(CONCURRENCY),
              LOG_LEVEL: 'info',
              PG_COUNT_FILE: countFile,
            },
          })
        ).child,
    });
    const calls = await rows(`SELECT count(*) AS n FROM agent_events WHERE kind = 'llm_call'`);
    const graded = await rows('SELECT count(*) AS n FROM qc_results');
    if (graded !== ALL) throw new Error(`QC worker: ${graded} results for ${ALL} tickets`);
    const callsPer = (calls / ALL).toFixed(2);
    const f2 = (x: number) => x.toFixed(2);
    /** CPU (or a count) per ticket of the measured window. */
    const per = (r: PassResult, x: number) => x / r.n;
    const rate = (r: PassResult) => r.n / r.seconds;
    /** Everything a ticket costs outside the model (the simulator): the worker, PostgreSQL, Redis. */
    const outside = (r: PassResult) => r.workerMs + r.pgMs + r.redisMs;
    const cold = (r: PassResult) => r.warmup.workerMs / r.warmup.n;
    const ratio = per(qc, qc.workerMs) / per(base, base.workerMs);
    const vsLoop = per(qc, qc.workerMs) / per(loopPass, loopPass.workerMs);
    const row = (r: PassResult) =>
      `| ${r.name} | ${f2(per(r, r.workerMs))} | ${f2(cold(r))} | ${r.simMs ? f2(per(r, r.simMs)) : '—'} | ${r.pgMs ? f2(per(r, r.pgMs)) : '—'} | ${f2(per(r, r.redisMs))} | ${f2(per(r, outside(r)))} | ${rate(r).toFixed(0)} | ${r.checkouts !== undefined ? f2(r.checkouts / r.n) : '—'} | ${r.statements !== undefined ? f2(r.statements / r.n) : '—'} |`;
    const markdown = [
      `${ALL.toLocaleString('en-US')} stored tickets per process: the first ${WARMUP.toLocaleString('en-US')} warm it up, the next ${TICKETS.toLocaleString('en-US')} are the measured window. Concurrency ${CONCURRENCY}, simulator at 0 ms in its own process (it grades from context/, never from gold labels; ${callsPer} model calls per ticket: tier-ups, second opinions and shadow samples as configured by default). Each worker is its own process, LOG_LEVEL=info, fresh database (bench/db.ts). CPU is utime+stime from /proc over the window only: start-up is excluded (jobs wait in a paused queue until the process is ready), and so is the warm-up, while V8 is still compiling and optimizing the hot paths — a worker is a long-running process, so the window is what a ticket costs it; the warm-up's CPU per ticket (from the queue's resume) is its own column. PostgreSQL is the sum over the database's client backends (pg_stat_activity); Redis is the whole server's CPU (INFO cpu), which also serves the bench's own job events (the same for every process). Checkouts and statements are counted in the worker by bench/pg-count.ts (every \`pool.connect\`, which \`pool.query\` also goes through, and every \`client.query\`, BEGIN/COMMIT included).`,
      '',
      `| process | worker CPU ms/ticket | worker CPU ms/ticket, first ${WARMUP.toLocaleString('en-US')} (warm-up) | simulator CPU ms/ticket | PostgreSQL CPU ms/ticket | Redis CPU ms/ticket | worker + PostgreSQL + Redis ms/ticket | tickets/s | pool checkouts/ticket | statements/ticket |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      row(base),
      row(loopPass),
      row(qc),
      '',
      `QC worker / no-op: **${ratio.toFixed(1)}×** worker CPU per ticket, **${(rate(qc) / rate(base)).toFixed(3)}×** throughput. QC worker / hand-written SDK loop: **${vsLoop.toFixed(2)}×** worker CPU per ticket (the loop makes 1 model call per ticket, the QC worker ${callsPer}), **${(per(qc, qc.pgMs) / per(loopPass, loopPass.pgMs)).toFixed(2)}×** PostgreSQL CPU, **${(per(qc, qc.redisMs) / per(loopPass, loopPass.redisMs)).toFixed(2)}×** Redis CPU; everything outside the model together (worker, PostgreSQL, Redis): ${f2(per(qc, outside(qc)))} ms against ${f2(per(loopPass, outside(loopPass)))} ms, **${(per(qc, outside(qc)) / per(loopPass, outside(loopPass))).toFixed(2)}×**. Over the warm-up: ${f2(cold(qc))} ms against the loop's ${f2(cold(loopPass))} ms (${(cold(qc) / cold(loopPass)).toFixed(2)}×). Goals (issue 13): ≤ 2 ms worker CPU per ticket, 1 checkout and ≤ 4 statements per ticket.`,
      '',
      "The hand-written SDK loop is what a buyer would write instead: a BullMQ worker that reads the ticket, makes the first Messages request (the same cached system blocks and tool; the stored ticket as plain JSON, a few hundred characters longer than the worker's lean block, beside ~40 kB of system text) with the SDK's default client and stores the answer in one INSERT — no attempt journal, rate limiter, tool-input validation, tier-up, second opinion, escalation, event, write-back or log line.",
    ].join('\n');
    return {
      markdown,
      summary: [
        {
          figure: `worker CPU per ticket after a ${WARMUP.toLocaleString('en-US')}-ticket warm-up (simulator at 0 ms, concurrency ${CONCURRENCY}; over the warm-up ${f2(cold(qc))} ms)`,
          value: `${f2(per(qc, qc.workerMs))} ms`,
          baseline: `${f2(per(base, base.workerMs))} ms (no-op BullMQ worker)`,
          ratio: `${ratio.toFixed(1)}×`,
          goal: '≤ 2 ms',
        },
        {
          figure:
            'worker CPU per ticket vs a hand-written SDK loop (same jobs, same simulator, same window)',
          value: `${f2(per(qc, qc.workerMs))} ms`,
          baseline: `${f2(per(loopPass, loopPass.workerMs))} ms (SDK loop, 1 call a ticket)`,
          ratio: `${vsLoop.toFixed(2)}×`,
          goal: '—',
        },
        {
          figure: 'simulator / PostgreSQL CPU per ticket',
          value: `${f2(per(qc, qc.simMs))} / ${f2(per(qc, qc.pgMs))} ms`,
          baseline: `${f2(per(loopPass, loopPass.pgMs))} ms PostgreSQL (SDK loop)`,
          ratio: `${(per(qc, qc.pgMs) / per(loopPass, loopPass.pgMs)).toFixed(2)}× PostgreSQL`,
          goal: '—',
        },
        {
          figure:
            'CPU per ticket outside the model: worker + PostgreSQL + Redis (the Redis server whole)',
          value: `${f2(per(qc, outside(qc)))} ms`,
          baseline: `${f2(per(loopPass, outside(loopPass)))} ms (SDK loop)`,
          ratio: `${(per(qc, outside(qc)) / per(loopPass, outside(loopPass))).toFixed(2)}×`,
          goal: '—',
        },
        {
          figure: 'pool checkouts / statements per ticket',
          value: `${f2((qc.checkouts ?? 0) / qc.n)} / ${f2((qc.statements ?? 0) / qc.n)}`,
          baseline: '0 / 0 (no-op)',
          ratio: '—',
          goal: '1 / ≤ 4',
        },
        {
          figure: 'tickets/s (simulator at 0 ms)',
          value: rate(qc).toFixed(0),
          baseline: `${rate(base).toFixed(0)} (no-op)`,
          ratio: `${(rate(qc) / rate(base)).toFixed(3)}×`,
          goal: '—',
        },
      ],
    };
  } finally {
    if (sim) await stop(sim);
    for (const e of events) await e.close();
    for (const c of conns) c.disconnect();
    for (const q of queues) await q.close();
    for (const p of prefixes) await cleanPrefix(redis, p);
    redis.disconnect();
    await admin.end();
    await pool.end();
    await db.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--noop')
  await noop(process.argv[3] as string, Number(process.argv[4] ?? CONCURRENCY));
if (process.argv[2] === '--loop')
  await loop(
    process.argv[3] as string,
    Number(process.argv[4] ?? CONCURRENCY),
    process.argv[5] as string,
    process.argv[6] as string,
  );
if (process.argv[2] === '--sim') await simulator(Number(process.argv[3] ?? 0));
