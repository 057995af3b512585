/**
 * `npm run bench -- ratelimit`: is the paid-for rate limit used, and not hit?
 *
 * The simulator (token buckets as the API documents them, BENCH_RPM requests
 * per minute, 800 ± 200 ms per answer) is fed by two real worker processes
 * (workers/qc-worker.ts, QC_CONCURRENCY 25 each) over a queue holding far more
 * tickets than the window can grade. Two passes, same run, fresh simulator
 * and fresh tickets each:
 * - baseline: fixed concurrency, no pacing (QC_RATE_PACING=false) — the SDK
 *   retries 429s honouring retry-after, as a hand-written loop would;
 * - paced: the shared limiter (src/llm/rate-limiter.ts) in both processes,
 *   learning the limit from the anthropic-ratelimit-* headers through Redis.
 * The simulator's bucket is emptied first, so the request log over the
 * window (BENCH_RATELIMIT_WARM_S to BENCH_RATELIMIT_S) measures the steady rate:
 * successful requests per minute against the limit, the share answered 429,
 * and the longest gap between two admitted requests (a stall), against one
 * refill (60 s / limit). The simulator grades from context/, never from gold
 * labels, and is not tuned for these figures.
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '@ticket-qc/anthropic-simulator';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createBenchDb } from './db.js';
import type { SummaryRow } from './report.js';

const RPM = Number(process.env.BENCH_RPM ?? 600);
const PASS_S = Number(process.env.BENCH_RATELIMIT_S ?? 80);
const WARM_S = Number(process.env.BENCH_RATELIMIT_WARM_S ?? 10);
const PROCESSES = 2;
const CONCURRENCY = 25;
const TICKETS = Number(process.env.BENCH_RATELIMIT_TICKETS ?? 2_000);
const WORKER = fileURLToPath(new URL('../workers/qc-worker.ts', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface PassResult {
  name: string;
  okPerMin: number;
  use: number;
  share429: number;
  maxGapMs: number;
  attempts: number;
}

async function* rows(prefix: string, n: number): AsyncGenerator<Buffer> {
  const { readFile } = await import('node:fs/promises');
  const lines = (await readFile('examples/tickets.jsonl', 'utf8')).split('\n').filter(Boolean);
  for (let i = 0; i < n; i++) {
    const row = JSON.parse(lines[i % lines.length] as string) as {
      ticket: { externalId: string };
    };
    row.ticket.externalId = `${prefix}-${i}`;
    yield Buffer.from(`${JSON.stringify(row)}\n`);
  }
}

/**
 * Empties the simulator's request bucket before a pass, so the window measures
 * the steady rate (the refill), not the initial full bucket.
 */
async function drain(url: string): Promise<void> {
  const body = JSON.stringify({
    model: 'claude-haiku-4-5',
    max_tokens: 16,
    messages: [{ role: 'user', content: 'drain' }],
  });
  for (let sent = 0; sent < RPM + 50; sent += 100) {
    await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(`${url}/v1/messages`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'anthropic-version': '2023-06-01',
            'x-api-key': 'bench',
          },
          body,
        }).then((r) => r.arrayBuffer()),
      ),
    );
  }
}

async function pass(name: string, pace: boolean, dbUrl: string): Promise<PassResult> {
  const { createPool } = await import('../src/db/pool.js');
  const { importFile } = await import('../src/import/import.js');
  const { ContextStore } = await import('../src/context/store.js');
  const { qcContextOf } = await import('../src/qc/context.js');
  const { enqueueQc } = await import('../src/queue/enqueue.js');
  const { QC_QUEUE } = await import('../src/queue/jobs.js');
  const pool = createPool(dbUrl, { max: 2 });
  const tag = `RL-${name}-${process.pid}`;
  await importFile(pool, '-', {
    stdin: Readable.from(rows(tag, TICKETS)),
    rejectsPath: '/dev/null',
  });
  const version = qcContextOf(await new ContextStore(pool).active()).version;
  const tickets = await pool.query<{ id: number; content_hash: string }>(
    'SELECT id, content_hash FROM tickets WHERE external_id LIKE $1 ORDER BY id',
    [`${tag}-%`],
  );
  const prefix = `tqc-bench-rl-${process.pid}-${name}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const queue = new Queue(QC_QUEUE, { connection: redis, prefix });
  for (const t of tickets.rows) {
    await enqueueQc(
      queue,
      { ticketId: t.id, contentHash: t.content_hash, contextVersion: version, via: 'realtime' },
      { attempts: 5, failedRetentionMs: 3_600_000 },
    );
  }
  const sim = await startSimulator({
    latencyMs: 800,
    latencyJitterMs: 400,
    rateLimits: { requestsPerMinute: RPM },
    requestLogLimit: 1_000_000,
  });
  await drain(sim.url);
  sim.clearRequests();
  const children = Array.from({ length: PROCESSES }, () =>
    spawn(process.execPath, ['--import', 'tsx', WORKER], {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        ANTHROPIC_BASE_URL: sim.url,
        QC_CONCURRENCY: String(CONCURRENCY),
        QC_RATE_PACING: String(pace),
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  try {
    // The window opens with the first request the simulator sees.
    const started = Date.now();
    while (!sim.requests().length && Date.now() - started < 60_000)
      await new Promise((r) => setTimeout(r, 100));
    const t0 = sim.requests()[0]?.at ?? Date.now();
    await new Promise((r) => setTimeout(r, PASS_S * 1000));
    const log = sim.requests().filter(
      (r) =>
        r.path === '/v1/messages' &&
        // Limits are per model: the window counts the QC model's (Haiku) requests.
        String((r.body as { model?: unknown } | null)?.model ?? '').startsWith('claude-haiku') &&
        r.at >= t0 + WARM_S * 1000 &&
        r.at < t0 + PASS_S * 1000,
    );
    const ok = log.filter((r) => r.status === 200);
    const limited = log.filter((r) => r.status === 429).length;
    let maxGapMs = 0;
    for (let i = 1; i < ok.length; i++)
      maxGapMs = Math.max(maxGapMs, (ok[i]?.at ?? 0) - (ok[i - 1]?.at ?? 0));
    const okPerMin = (ok.length / (PASS_S - WARM_S)) * 60;
    return {
      name,
      okPerMin,
      use: okPerMin / RPM,
      share429: log.length ? limited / log.length : 0,
      maxGapMs,
      attempts: log.length,
    };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await sim.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await pool.end();
  }
}

export async function run(): Promise<{ markdown: string; summary: SummaryRow[] }> {
  const db = await createBenchDb('ratelimit', { contextDir: 'context' });
  try {
    const base = await pass('baseline', false, db.url);
    console.log(base);
    const paced = await pass('paced', true, db.url);
    console.log(paced);
    const refillMs = 60_000 / RPM;
    const row = (label: string, r: PassResult) =>
      `| ${label} | ${Math.round(r.okPerMin)} | ${(r.use * 100).toFixed(1)} % | ${(r.share429 * 100).toFixed(1)} % (${r.attempts} attempts) | ${(r.maxGapMs / 1000).toFixed(2)} s |`;
    const markdown = [
      `Simulator at ${RPM} requests/min per model (token buckets as documented); figures for the QC model (Haiku), 800 ± 200 ms per answer; ${PROCESSES} worker processes × concurrency ${CONCURRENCY} on one Redis; ${TICKETS.toLocaleString('en-US')} queued tickets per pass (more than the window grades). The simulator's bucket is emptied before each pass, so the window (${WARM_S}–${PASS_S} s after the first request) measures the steady refill rate. One refill = ${(refillMs / 1000).toFixed(2)} s. The simulator grades from context/, never from gold labels, and is not tuned for these figures.`,
      '',
      '| pass | successful requests/min | of the limit | answered 429 | longest gap between admitted requests |',
      '| --- | ---: | ---: | ---: | ---: |',
      row('baseline: fixed concurrency, SDK retries honouring retry-after', base),
      row('paced: shared limiter (Redis) from the rate-limit headers', paced),
      '',
      `Paced / baseline: **${(paced.use / Math.max(base.use, 1e-9)).toFixed(2)}×** use of the limit, 429 share ${(paced.share429 * 100).toFixed(1)} % vs ${(base.share429 * 100).toFixed(1)} %. Goal: ≥ 95 % of the limit, ≤ 1 % 429s, no gap longer than a few refills.`,
    ].join('\n');
    return {
      markdown,
      summary: [
        {
          figure: `use of a ${RPM} RPM limit (steady state)`,
          value: `${(paced.use * 100).toFixed(1)} %`,
          baseline: `${(base.use * 100).toFixed(1)} % (fixed concurrency)`,
          ratio: `${(paced.use / Math.max(base.use, 1e-9)).toFixed(2)}×`,
          goal: '≥ 95 %',
        },
        {
          figure: 'requests answered 429',
          value: `${(paced.share429 * 100).toFixed(1)} %`,
          baseline: `${(base.share429 * 100).toFixed(1)} %`,
          ratio: base.share429 ? `${(paced.share429 / base.share429).toFixed(2)}×` : '—',
          goal: '≤ 1 %',
        },
        {
          figure: 'longest gap between admitted requests',
          value: `${(paced.maxGapMs / 1000).toFixed(2)} s`,
          baseline: `${(base.maxGapMs / 1000).toFixed(2)} s`,
          ratio: `${(paced.maxGapMs / Math.max(base.maxGapMs, 1)).toFixed(2)}×`,
          goal: `a few refills (${(60 / RPM).toFixed(2)} s each)`,
        },
      ],
    };
  } finally {
    await db.drop();
  }
}
