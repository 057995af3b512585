import { pathToFileURL } from 'node:url';
import { Queue } from 'bullmq';
import { requeuedGrades } from '../src/batches/requeued.js';
import { type PatternsJob, startBatchScheduler } from '../src/batches/scheduler.js';
import { budgetDepsOf, startBudgetChecks } from '../src/budget/index.js';
import { minePatterns } from '../src/chief/mine.js';
import { mineDepsOf } from '../src/chief/mine-deps.js';
import { type Config, loadConfigOrExit } from '../src/config.js';
import { captureConsole, toError } from '../src/logger.js';
import { startQcWorker } from '../src/qc/worker.js';
import { createRedis, quietQueue, redisTargetOf } from '../src/queue/connection.js';
import { QC_QUEUE } from '../src/queue/jobs.js';
import { checkEvictionPolicy, EvictionPolicyError } from '../src/queue/redis-policy.js';
import { startRetentionScheduler } from '../src/queue/retention.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { startTriage } from '../src/triage/index.js';
import { startWriteback } from '../src/writeback/index.js';

/**
 * How long a stopping worker waits for the jobs in flight: at least one whole
 * model request (ANTHROPIC_TIMEOUT) and the writes after it. Giving up
 * earlier exits with a job still active: it is only recovered once its lock
 * expires, as a stall (a second stall fails it), and the calls it paid for are
 * never recorded. docker-compose.yml gives the worker 90 s (the default
 * timeout of 60 s + 20 s fits).
 */
export function workerShutdownDeadlineMs(config: Config): number {
  return Math.max(30_000, config.ANTHROPIC_TIMEOUT + 20_000);
}

/**
 * The worker's PostgreSQL pool (issue 13): no connection is held while the
 * model answers, and concurrent jobs' prepare and grade statements go out
 * grouped, one multi-row statement per group (src/qc/statements.ts), so the
 * QC path itself needs about two connections at a time; the rest covers
 * tier-up attempts, relays, triage and the batch poller. A tenth of the
 * concurrency, at least 10 and at most 30, so that a few worker processes and
 * the API stay under a server's default max_connections of 100.
 * QC_PG_POOL_MAX overrides it.
 */
export function workerPoolSize(config: Pick<Config, 'QC_CONCURRENCY' | 'QC_PG_POOL_MAX'>): number {
  if (config.QC_PG_POOL_MAX > 0) return config.QC_PG_POOL_MAX;
  return Math.min(30, Math.max(10, Math.ceil(config.QC_CONCURRENCY / 10)));
}

/** The scheduled `patterns mine`: submit on the cron, collect on the batch poller's ticks. */
export function patternsJob(rt: Runtime): PatternsJob {
  const { config } = rt;
  const run = (o: { resumeOnly: boolean }) =>
    minePatterns(mineDepsOf(rt), {
      since: new Date(Date.now() - config.QC_PATTERNS_WINDOW),
      limit: config.QC_PATTERNS_LIMIT,
      via: config.QC_PATTERNS_VIA,
      trigger: 'schedule',
      wait: false,
      ...o,
    });
  return {
    cron: config.QC_PATTERNS_CRON,
    async run() {
      const r = await run({ resumeOnly: false });
      rt.logger.info({ ...r, estimate: undefined }, 'patterns: scheduled mining run');
      return { runId: r.runId, proposal: r.proposal?.id, waiting: r.waiting };
    },
    async collect() {
      const r = await run({ resumeOnly: true });
      if (!r.skipped && !r.waiting) rt.logger.info({ ...r }, 'patterns: mining batch collected');
      return r;
    },
  };
}

/**
 * `ticket-qc worker`: a long-running QC worker. SIGTERM stops taking jobs,
 * lets the ones in flight finish, closes Redis and PostgreSQL, exits 0.
 */
export async function runWorkerProcess(config: Config): Promise<void> {
  const rt = createRuntime(config, {
    name: 'qc-worker',
    shutdownDeadlineMs: workerShutdownDeadlineMs(config),
    poolMax: workerPoolSize(config),
    asyncLogs: true,
  });
  // This process's stdout is a JSON log stream: library console output joins it.
  captureConsole(rt.logger);
  const connection = createRedis(redisTargetOf(config), 'worker', rt.logger);
  // Issue 10: an evicting Redis loses job payloads; refused unless QC_ALLOW_EVICTION.
  try {
    await checkEvictionPolicy(connection, {
      allowEviction: config.QC_ALLOW_EVICTION,
      logger: rt.logger,
      role: 'worker',
    });
  } catch (err) {
    rt.logger.fatal({ event: 'redis_eviction_refused' }, toError(err).message);
    connection.disconnect();
    await rt.pool.end();
    throw err;
  }
  // Issue 15, started before the QC worker takes jobs (its start-up must not widen the window
  // before the signal handlers are installed): outbox → writeback queue → help desk (every source
  // off unless WRITEBACK_<SOURCE>), and the triage agent on new tickets (TRIAGE_ENABLED).
  const loops = { connection, producer: connection, prefix: config.QUEUE_PREFIX };
  const writeback = await startWriteback(rt, loops);
  const triage = await startTriage(rt, loops);
  const worker = await startQcWorker(rt, {
    connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.QC_CONCURRENCY,
    ratePerMinute: config.QC_RATE_LIMIT_PER_MINUTE,
    pace: config.QC_RATE_PACING,
    rateBurstMs: config.QC_RATE_LIMIT_BURST,
    // A batch entry requeued with replies already paid for is graded from them.
    resume: requeuedGrades(rt),
  });
  // The nightly batch and its poller: idempotent when every worker process registers them.
  // Issue 11: patterns mined from history on QC_PATTERNS_CRON (off by default).
  const batch = await startBatchScheduler(rt, {
    connection,
    prefix: config.QUEUE_PREFIX,
    patterns: patternsJob(rt),
  });
  // Personal data: the daily retention job (QC_RETENTION_TICKETS / QC_RETENTION_EVENTS).
  const retention = await startRetentionScheduler(rt, { connection, prefix: config.QUEUE_PREFIX });
  // Budgets are a hard stop: spend past 100% pauses the qc queue for every worker.
  const queue = quietQueue(new Queue(QC_QUEUE, { connection, prefix: config.QUEUE_PREFIX }));
  const budget = startBudgetChecks(budgetDepsOf(rt, queue), {
    intervalMs: 60_000,
    minGapMs: 10_000,
  });
  worker.on('completed', () => void budget.maybeCheck());
  void budget.maybeCheck();
  rt.shutdown
    .add('stop taking jobs and finish those in flight', () => worker.close())
    .add('stop the batch scheduler worker', () => batch.close())
    .add('stop the retention job', () => retention.close())
    .add('stop triage', () => triage.close())
    .add('stop write-back (finish the notes in flight)', () => writeback.close())
    .add('stop budget checks', () => budget.stop())
    .add('close the producer queue', () => queue.close())
    .add('close redis', async () => {
      await connection.quit().catch(() => connection.disconnect());
    })
    .add('close postgres', () => rt.pool.end())
    .add('flush logs', () => new Promise<void>((resolve) => rt.logger.flush(() => resolve())));
  rt.shutdown.installSignalHandlers();
  rt.logger.info(
    {
      concurrency: config.QC_CONCURRENCY,
      model: config.QC_MODEL,
      strongModel: config.QC_STRONG_MODEL,
    },
    'qc worker started',
  );
}

// Run directly (`tsx workers/qc-worker.ts`, the compose services): start the process.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runWorkerProcess(loadConfigOrExit()).catch((err: unknown) => {
    // Already logged as JSON; exit without a stack trace on stdout.
    if (!(err instanceof EvictionPolicyError)) throw err;
    process.exitCode = 78;
  });
}
