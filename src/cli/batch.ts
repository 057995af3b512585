import { type Command, Option } from 'commander';
import type { RunReport } from '../batches/run.js';
import type { Config } from '../config.js';
import { positiveInt } from './support.js';

// Only commander here: each action imports what it runs, so `ticket-qc --help`
// stays fast (test/core/cli-startup.test.ts).

function printRun(r: RunReport, config: Config, states?: Record<string, number>): void {
  if (!r.run) return;
  const t = r.ticks.reduce(
    (s, x) => ({
      submitted: s.submitted + x.submitted,
      graded: s.graded + x.graded,
      requeued: s.requeued + x.requeued,
      failed: s.failed + x.failed,
      followups: s.followups + x.followups,
      inFlight: x.inFlight,
      errors: [...s.errors, ...x.errors],
    }),
    {
      submitted: 0,
      graded: 0,
      requeued: 0,
      failed: 0,
      followups: 0,
      inFlight: 0,
      errors: [] as string[],
    },
  );
  console.log(
    `run #${r.run.id}${r.resumed ? ' (resumed an interrupted run)' : ''}: ${r.mapped ?? 0} ticket(s) mapped into message batches`,
  );
  // A pass also collects batches of earlier runs that ended meanwhile.
  console.log(
    `this pass: ${t.submitted} batch(es) submitted; ${t.graded} result(s) graded, ${t.requeued} sent to the realtime queue, ${t.failed} failed` +
      (t.followups > 0 ? `; ${t.followups} follow-up(s) sent as a later batch round` : ''),
  );
  for (const e of t.errors) console.log(`  error: ${e}`);
  if (states) {
    // What the run's tickets became, whoever collected them (this process or a worker's poller).
    const n = (k: string) => states[k] ?? 0;
    console.log(
      `run #${r.run.id} so far: ${n('graded')} ticket(s) graded, ${n('requeued')} sent to the realtime queue, ${n('failed')} failed, ${n('pending')} still in batches` +
        (n('graded') > t.graded
          ? ` (${n('graded') - t.graded} collected by a worker's poller)`
          : ''),
    );
  }
  if (t.inFlight > 0) {
    const every = Math.round(config.QC_BATCH_POLL_INTERVAL / 1000);
    console.log(
      `${t.inFlight} batch(es) in flight: a worker's batch poller (every ${every}s) collects the results, ` +
        'or run `ticket-qc batch run --wait`; progress: `ticket-qc batch status`',
    );
  }
}

/** `ticket-qc batch import|run|status`. */
export function registerBatchCommands(program: Command, getConfig: () => Config): void {
  const batch = program
    .command('batch')
    .description('grade historical tickets in bulk, through the Message Batches API at half price');

  batch
    .command('import')
    .description('stream a JSONL or CSV file of tickets into the database (rejects go to a file)')
    .requiredOption(
      '--file <path>',
      'tickets: .jsonl ({"ticket","gold"} or bare tickets) or .csv (see src/batches/README.md); - reads standard input (JSONL unless --format csv)',
    )
    .option('--source <source>', "store every row under this source (overrides the rows')")
    .option(
      '--rejects <path>',
      'where to write refused rows with line and reason (default <file>.rejects.jsonl)',
    )
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices([
        'jsonl',
        'csv',
      ]),
    )
    .action(
      async (opts: {
        file: string;
        source?: string;
        rejects?: string;
        format?: 'jsonl' | 'csv';
      }) => {
        const config = getConfig();
        const { createLogger } = await import('../logger.js');
        const { createPool } = await import('../db/pool.js');
        const { formatImportSummary, importFile } = await import('../import/import.js');
        const { createProgress } = await import('../import/progress.js');
        const logger = createLogger({ level: config.LOG_LEVEL, name: 'batch-import' });
        const pool = createPool(config.DATABASE_URL, {
          logger,
          max: 2,
          applicationName: 'batch-import',
        });
        try {
          const summary = await importFile(pool, opts.file, {
            source: opts.source,
            rejectsPath: opts.rejects,
            format: opts.format,
            logger,
            progress: (totalBytes) =>
              createProgress({ totalBytes, tty: Boolean(process.stderr.isTTY), logger }),
          });
          console.log(formatImportSummary(summary));
        } finally {
          await pool.end();
        }
      },
    );

  batch
    .command('run')
    .description('grade every ticket with no result for the active context version')
    .option(
      '--since <date>',
      'only tickets last updated at or after (YYYY-MM-DD in QC_TZ, or ISO-8601)',
    )
    .option('--until <date>', 'only tickets last updated before (a date includes that whole day)')
    .option('--limit <n>', 'at most n tickets', positiveInt)
    .addOption(
      new Option(
        '--via <path>',
        'Message Batches (half price, within 24 h) or low-priority realtime jobs',
      )
        .choices(['batches', 'queue'])
        .default('batches'),
    )
    .option(
      '--dry-run',
      'print how many tickets and the estimated cost of each path; change nothing',
    )
    .option(
      '--wait',
      "stay until this run's batches are collected (otherwise a worker's poller does it)",
    )
    .action(
      async (opts: {
        since?: string;
        until?: string;
        limit?: number;
        via: 'batches' | 'queue';
        dryRun?: boolean;
        wait?: boolean;
      }) => {
        const { withModelAccess } = await import('./support.js');
        const go = async (config: Config) => {
          const { Queue } = await import('bullmq');
          const { createRuntime } = await import('../runtime.js');
          const { createRedis, redisTargetOf } = await import('../queue/connection.js');
          const { QC_QUEUE } = await import('../queue/jobs.js');
          const { batchDepsOf } = await import('../batches/deps.js');
          const { formatEstimate } = await import('../batches/estimate.js');
          const { runBatch } = await import('../batches/run.js');
          const { parseDateOption } = await import('../db/selection.js');
          const rt = createRuntime(config, { name: 'batch-run' });
          const redis = opts.dryRun
            ? undefined
            : createRedis(redisTargetOf(config), 'producer', rt.logger);
          const qcQueue = redis
            ? new Queue(QC_QUEUE, { connection: redis, prefix: config.QUEUE_PREFIX })
            : undefined;
          try {
            const since = opts.since
              ? await parseDateOption(rt.pool, opts.since, config.QC_TZ, 'since')
              : undefined;
            const until = opts.until
              ? await parseDateOption(rt.pool, opts.until, config.QC_TZ, 'until')
              : undefined;
            const report = await runBatch(batchDepsOf(rt, { qcQueue }), {
              via: opts.via,
              trigger: 'cli',
              since,
              until,
              limit: opts.limit,
              dryRun: Boolean(opts.dryRun),
              wait: Boolean(opts.wait),
              pollMs: config.QC_BATCH_POLL_INTERVAL,
            });
            if (report.estimate) console.log(formatEstimate(report.estimate, config.QC_MODEL));
            else if (report.busy) {
              console.log(
                'another batch pass is running (the nightly job or another `batch run`); try again shortly',
              );
              process.exitCode = 75; // EX_TEMPFAIL
            } else if (report.enqueued !== undefined) {
              console.log(
                `run #${report.run?.id}: ${report.enqueued} low-priority job(s) added to the qc queue`,
              );
            } else {
              const { runRequestStates } = await import('../db/batches.js');
              const states = report.run
                ? await runRequestStates(rt.pool, report.run.id)
                : undefined;
              printRun(report, config, states);
            }
          } finally {
            await qcQueue?.close();
            await redis?.quit().catch(() => redis.disconnect());
            await rt.pool.end();
          }
        };
        // A dry run calls no model. Without --wait, a worker's poller collects later from the
        // same API, which a simulator started for this command would no longer be.
        if (opts.dryRun) await go(getConfig());
        else
          await withModelAccess(getConfig(), go, {
            ...(opts.wait || opts.via === 'queue'
              ? {}
              : {
                  refuse:
                    'the batches would be collected later from the real API; set ANTHROPIC_API_KEY, or ANTHROPIC_BASE_URL to a running simulator, or add --wait',
                }),
          });
      },
    );

  batch
    .command('status')
    .description('batch runs, message batches in flight, requests by state, cost so far')
    .option('--runs <n>', 'how many recent runs to show', positiveInt, 10)
    .option('--json', 'machine-readable output')
    .action(async (opts: { runs: number; json?: boolean }) => {
      const config = getConfig();
      const { createPool } = await import('../db/pool.js');
      const { batchStatus, formatStatus } = await import('../batches/status.js');
      const pool = createPool(config.DATABASE_URL, { max: 1, applicationName: 'batch-status' });
      try {
        const s = await batchStatus(pool, opts.runs);
        console.log(opts.json ? JSON.stringify(s, null, 2) : formatStatus(s));
      } finally {
        await pool.end();
      }
    });
}
