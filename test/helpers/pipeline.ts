import { readFileSync } from 'node:fs';
import type { Simulator } from '@ticket-qc/anthropic-simulator';
import { Queue, type Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { requeuedGrades } from '../../src/batches/requeued.js';
import type { Config } from '../../src/config.js';
import { upsertTicket } from '../../src/db/tickets.js';
import { readJsonl } from '../../src/import/jsonl.js';
import { qcContextOf } from '../../src/qc/context.js';
import { startQcWorker } from '../../src/qc/worker.js';
import { createRedis } from '../../src/queue/connection.js';
import { enqueueQc } from '../../src/queue/enqueue.js';
import { QC_QUEUE } from '../../src/queue/jobs.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { Ticket } from '../../src/ticket/schema.js';
import { testConfig } from './config.js';
import type { TestDb } from './db.js';
import { type Child, type Exit, spawnTsx } from './process.js';
import { cleanPrefix, testPrefix } from './redis.js';

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A QC worker, a producer queue and a runtime, all on the test's DB, Redis prefix and simulator. */
export interface Pipeline {
  rt: Runtime;
  config: Config;
  queue: Queue;
  worker: Worker | undefined;
  logs: LogLine[];
  startWorker(opts?: { concurrency?: number; random?: () => number }): Promise<Worker>;
  enqueue(ticketIds: number[], opts?: { delayMs?: number }): Promise<string[]>;
  close(): Promise<void>;
}

export async function startPipeline(
  db: TestDb,
  simUrl: string,
  env: Record<string, string> = {},
): Promise<Pipeline> {
  const prefix = testPrefix();
  const config = testConfig({
    DATABASE_URL: db.url,
    ANTHROPIC_BASE_URL: simUrl,
    QUEUE_PREFIX: prefix,
    QC_SHADOW_RATE: '0',
    ...env,
  });
  const logs: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (s: string) => void logs.push(JSON.parse(s) as LogLine) },
  );
  const rt = createRuntime(config, { logger, pool: db.pool });
  const redises: Redis[] = [];
  const producer = createRedis(config.REDIS_URL, 'producer');
  redises.push(producer);
  const queue = new Queue(QC_QUEUE, { connection: producer, prefix });
  const p: Pipeline = {
    rt,
    config,
    queue,
    worker: undefined,
    logs,
    async startWorker(opts = {}) {
      const connection = createRedis(config.REDIS_URL, 'worker');
      redises.push(connection);
      const w = await startQcWorker(rt, {
        connection,
        prefix,
        concurrency: opts.concurrency ?? 4,
        ...(opts.random ? { random: opts.random } : {}),
        // As workers/qc-worker.ts wires it.
        resume: requeuedGrades(rt),
      });
      p.worker = w;
      return w;
    },
    async enqueue(ticketIds, opts = {}) {
      const ctx = qcContextOf(await rt.contexts.active());
      const ids: string[] = [];
      for (const id of ticketIds) {
        const r = await db.pool.query<{ content_hash: string }>(
          'SELECT content_hash FROM tickets WHERE id = $1',
          [id],
        );
        ids.push(
          await enqueueQc(
            queue,
            {
              ticketId: id,
              contentHash: r.rows[0]?.content_hash ?? '',
              contextVersion: ctx.version,
              via: 'realtime',
            },
            { attempts: config.QC_JOB_ATTEMPTS, failedRetentionMs: config.QC_FAILED_RETENTION },
            opts,
          ),
        );
      }
      return ids;
    },
    async close() {
      await p.worker?.close();
      await queue.close();
      for (const r of redises) r.disconnect();
      await cleanPrefix(prefix);
    },
  };
  return p;
}

export async function loadExamples(limit: number): Promise<{ ticket: Ticket }[]> {
  const rows: { ticket: Ticket }[] = [];
  for await (const row of readJsonl('examples/tickets.jsonl')) {
    if (row.ok) rows.push({ ticket: row.ticket });
    if (rows.length >= limit) break;
  }
  return rows;
}

export async function storeExamples(db: TestDb, limit: number): Promise<number[]> {
  const ids: number[] = [];
  for (const { ticket } of await loadExamples(limit))
    ids.push((await upsertTicket(db.pool, ticket)).id);
  return ids;
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Messages requests the simulator has received and not yet answered. */
export function inFlight(sim: Simulator): number {
  return sim.requests().filter((r) => /^\/v1\/messages(\?|$)/.test(r.path) && r.status === null)
    .length;
}

export const exampleText = () => readFileSync('examples/tickets.jsonl', 'utf8');

/**
 * A QC worker in its own process (workers/qc-worker.ts) on the test's DB, Redis
 * prefix and simulator — for tests about the process itself (signals, exit
 * codes). Registered through test/helpers/process.ts, so it is killed after the
 * test even when an assertion fails. `ready` resolves on its "qc worker
 * started" log line (LOG_LEVEL info or lower).
 */
export function spawnWorker(
  p: Pipeline,
  dbUrl: string,
  simUrl: string,
  env: Record<string, string>,
): {
  child: Child;
  ready: Promise<void>;
  output: () => string;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
} {
  const child = spawnTsx('workers/qc-worker.ts', [], {
    DATABASE_URL: dbUrl,
    REDIS_URL: p.config.REDIS_URL,
    QUEUE_PREFIX: p.config.QUEUE_PREFIX,
    ANTHROPIC_BASE_URL: simUrl,
    QC_SHADOW_RATE: '0',
    ...env,
  });
  // Starting (tsx compiling the worker's module graph) takes seconds on a busy
  // machine: waited for on the log line, with the test's own timeout as the cap.
  const ready = child.waitForOutput('qc worker started', 55_000);
  ready.catch(() => undefined); // a test that never awaits it still gets the child's exit
  return {
    child,
    ready,
    output: child.output,
    exited: child.exited.then((e: Exit) => e.code),
    kill: child.kill,
  };
}
