import { startSimulator } from '@ticket-qc/anthropic-simulator';
import { Queue, type Worker } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../src/config.js';
import { seedContext } from '../src/context/store.js';
import { ensureDatabase, migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { gradedCount, ungradedOf } from '../src/db/results.js';
import { formatSummary, summarize } from '../src/db/summary.js';
import { readJsonl } from '../src/import/jsonl.js';
import { type ImportItem, upsertMany } from '../src/import/upsert.js';
import { createLogger } from '../src/logger.js';
import { qcContextOf } from '../src/qc/context.js';
import { startQcWorker } from '../src/qc/worker.js';
import { createRedis, quietQueue } from '../src/queue/connection.js';
import { enqueueQc } from '../src/queue/enqueue.js';
import { QC_QUEUE } from '../src/queue/jobs.js';
import { createRuntime } from '../src/runtime.js';

export interface DemoOptions {
  file: string;
  limit?: number;
  timeoutMs?: number;
  out?: (line: string) => void;
}

/**
 * `npm run demo`: migrate, start the simulator when no API key is set, start a
 * worker, enqueue the examples, wait, print a summary. Leaves the data in
 * PostgreSQL for inspection.
 */
export async function runDemo(baseConfig: Config, opts: DemoOptions): Promise<number> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const offline = !baseConfig.ANTHROPIC_API_KEY;
  out(
    offline
      ? 'No ANTHROPIC_API_KEY set: grading against the local Anthropic API simulator (offline and deterministic; its verdicts come from keyword rules, not a real model).'
      : `ANTHROPIC_API_KEY is set: grading with the Anthropic API (${baseConfig.QC_MODEL}, tier-up ${baseConfig.QC_STRONG_MODEL}).`,
  );
  const logger = createLogger({
    level: baseConfig.LOG_LEVEL === 'info' ? 'warn' : baseConfig.LOG_LEVEL,
    name: 'demo',
  });

  if (await ensureDatabase(baseConfig.DATABASE_URL))
    out(`Created database ${new URL(baseConfig.DATABASE_URL).pathname.slice(1)}.`);
  const setupPool = createPool(baseConfig.DATABASE_URL, { logger, max: 2 });
  let mig: Awaited<ReturnType<typeof migrate>>;
  let seeded: string[];
  try {
    mig = await migrate(setupPool);
    seeded = await seedContext(setupPool, baseConfig.QC_CONTEXT_DIR);
  } finally {
    await setupPool.end();
  }
  out(
    `Database ready (${mig.applied.length} migrations applied${seeded.length ? `, context seeded: ${seeded.join(', ')}` : ''}).`,
  );

  const sim = offline
    ? await startSimulator({ latencyMs: 40, latencyJitterMs: 40, seed: 7 })
    : undefined;
  // Whatever fails from here on (a bad QC_MODEL throws in createRuntime), the
  // simulator's HTTP server must close, or the CLI never exits.
  try {
    const config: Config = sim ? { ...baseConfig, ANTHROPIC_BASE_URL: sim.url } : baseConfig;
    if (sim) out(`Simulator listening on ${sim.url}.`);
    return await gradeExamples(config, opts, out, logger);
  } finally {
    await sim?.close();
  }
}

async function gradeExamples(
  config: Config,
  opts: DemoOptions,
  out: (line: string) => void,
  logger: Logger,
): Promise<number> {
  const rt = createRuntime(config, { logger, name: 'demo' });
  const workerRedis = createRedis(config.REDIS_URL, 'worker', logger);
  const producerRedis = createRedis(config.REDIS_URL, 'producer', logger);
  const queue = quietQueue(
    new Queue(QC_QUEUE, { connection: producerRedis, prefix: config.QUEUE_PREFIX }),
  );
  let worker: Worker | undefined;
  try {
    worker = await startQcWorker(rt, {
      connection: workerRedis,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.QC_CONCURRENCY,
    });
    const ctx = qcContextOf(await rt.contexts.active());
    // Stored the way `batch import` stores (a reviewer's gold label outranks the file's).
    const items: ImportItem[] = [];
    let rejected = 0;
    for await (const row of readJsonl(opts.file)) {
      if (opts.limit !== undefined && items.length >= opts.limit) break;
      if (row.ok) items.push({ ticket: row.ticket, gold: row.gold });
      else {
        rejected++;
        out(`  line ${row.line} rejected: ${row.reason}`);
      }
    }
    const ticketIds = [...new Set((await upsertMany(rt.pool, items, 'realtime')).ids)];
    const pending = await ungradedOf(rt.pool, ticketIds, ctx.version);
    for (const t of pending) {
      await enqueueQc(
        queue,
        { ticketId: t.id, contentHash: t.content_hash, contextVersion: ctx.version, via: 'queue' },
        { attempts: config.QC_JOB_ATTEMPTS, failedRetentionMs: config.QC_FAILED_RETENTION },
      );
    }
    const enqueued = pending.length;
    out(
      `Loaded ${ticketIds.length} example tickets from ${opts.file}${rejected ? ` (${rejected} rejected)` : ''}; ${enqueued} queued for grading, ${ticketIds.length - enqueued} already graded.`,
    );

    const deadline = Date.now() + (opts.timeoutMs ?? 10 * 60_000);
    let lastReport = 0;
    for (;;) {
      const graded = await gradedCount(rt.pool, ticketIds, ctx.version);
      const failed = await queue.getFailedCount();
      if (graded + failed >= ticketIds.length) break;
      if (Date.now() > deadline) {
        out(`Timed out waiting: ${graded}/${ticketIds.length} graded.`);
        break;
      }
      if (Date.now() - lastReport > 2_000) {
        out(
          `  graded ${graded}/${ticketIds.length}${failed ? `, ${failed} failed (see \`ticket-qc failed\`)` : ''}`,
        );
        lastReport = Date.now();
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    const summary = await summarize(rt.pool, { ticketIds, contextVersion: ctx.version });
    out('');
    out(formatSummary(summary));
    out('');
    out(
      'The results stay in PostgreSQL: try `npm run cli -- failed`, or query qc_results and agent_events.',
    );
    return 0;
  } finally {
    await worker?.close();
    await queue.close();
    await workerRedis.quit().catch(() => workerRedis.disconnect());
    await producerRedis.quit().catch(() => producerRedis.disconnect());
    await rt.pool.end();
  }
}
