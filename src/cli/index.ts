import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config.js';
import { registerBatchCommands } from './batch.js';
import { registerChiefCommands } from './chief.js';
import { registerReviewCommands } from './review.js';
import { nonNegativeInt as int, withPool, withQcQueue } from './support.js';
import { registerWritebackCommands } from './writeback.js';

let loadConfigOrExit: typeof import('../config.js').loadConfigOrExit | undefined;

/** The default config source; its module is loaded by buildCli's preAction hook. */
function configFromEnv(): Config {
  if (!loadConfigOrExit) throw new Error('the configuration is read once a command runs');
  return loadConfigOrExit();
}

/**
 * `ticket-qc` — every command reads the same environment as the servers
 * (see README "Configuration"). Commands are registered by concern.
 *
 * Startup stays fast: this module and the registration modules import only
 * commander (and type-only or tiny pure helpers); each action imports what it
 * runs, so `--help` or `costs` does not load fastify, bullmq, the SDK, …
 * test/core/cli-startup.test.ts holds that line.
 */
export function buildCli(getConfig: () => Config = configFromEnv): Command {
  const program = new Command('ticket-qc')
    .description('Quality control of support tickets with a fleet of LLM workers')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) })
    // The config schema (zod) is a good part of startup and --help needs none of it.
    .hook('preAction', async () => {
      ({ loadConfigOrExit } = await import('../config.js'));
    });

  program
    .command('migrate')
    .description(
      'create the database if needed, apply migrations, and seed context/ into context_versions',
    )
    .action(async () => {
      const config = getConfig();
      const { createLogger } = await import('../logger.js');
      const { ensureDatabase, migrate } = await import('../db/migrate.js');
      const { createPool } = await import('../db/pool.js');
      const { seedContext } = await import('../context/store.js');
      const logger = createLogger({ level: config.LOG_LEVEL });
      if (await ensureDatabase(config.DATABASE_URL)) console.log('created database');
      const pool = createPool(config.DATABASE_URL, { logger, max: 2 });
      try {
        const r = await migrate(pool);
        console.log(r.applied.length ? `applied: ${r.applied.join(', ')}` : 'schema up to date');
        const seeded = await seedContext(pool, config.QC_CONTEXT_DIR);
        if (seeded.length) console.log(`seeded context versions: ${seeded.join(', ')}`);
      } finally {
        await pool.end();
      }
    });

  program
    .command('demo')
    .description(
      'grade the example tickets end to end (starts the simulator when no ANTHROPIC_API_KEY is set)',
    )
    .option('--file <path>', 'tickets to grade (JSONL)', 'examples/tickets.jsonl')
    .option('--limit <n>', 'grade only the first n tickets', int)
    .action(async (opts: { file: string; limit?: number }) => {
      const { runDemo } = await import('../../workers/demo.js');
      process.exitCode = await runDemo(getConfig(), {
        file: opts.file,
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      });
    });

  program
    .command('serve')
    .description(
      'run the API (POST /webhooks/:source, POST /events, /healthz, /readyz, /metrics, /review) and the reconciler until SIGTERM',
    )
    .action(async () => {
      const { runApiProcess } = await import('../../workers/api.js');
      await runApiProcess(getConfig());
    });

  program
    .command('worker')
    .description('run a QC worker on the qc queue until SIGTERM')
    .action(async () => {
      const { runWorkerProcess } = await import('../../workers/qc-worker.js');
      await runWorkerProcess(getConfig());
    });

  program
    .command('simulator')
    .description('run the local Anthropic API simulator alone (Messages and Message Batches)')
    .option('--port <n>', 'port to listen on', int, 4010)
    .option('--host <host>', 'interface', '127.0.0.1')
    .option('--noise <rate>', 'share of per-criterion judgments flipped (0..1)', Number.parseFloat)
    .option('--seed <n>', 'seed for faults, jitter and noise', int)
    .option('--latency-ms <n>', 'base latency of every reply', int)
    .option('--api-key <key>', 'require this key (x-api-key or Authorization: Bearer)')
    .action(
      async (opts: {
        port: number;
        host: string;
        noise?: number;
        seed?: number;
        latencyMs?: number;
        apiKey?: string;
      }) => {
        const { serveSimulatorForever } = await import('@ticket-qc/anthropic-simulator');
        await serveSimulatorForever({
          port: opts.port,
          host: opts.host,
          ...(opts.noise !== undefined ? { noise: opts.noise } : {}),
          ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
          ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
          ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
        });
      },
    );

  const failed = program
    .command('failed')
    .description('list QC jobs that ran out of attempts, with their reason')
    .option('--limit <n>', 'at most n jobs', int, 50)
    .action(async (opts: { limit: number }) => {
      const { failedJobsOf } = await import('../queue/failed.js');
      const rows = await withQcQueue(getConfig(), (q) => failedJobsOf(q, opts.limit));
      if (rows.length === 0) {
        console.log('no failed jobs');
        return;
      }
      for (const r of rows) {
        console.log(
          `${r.id}  ticket ${r.ticketId}  attempts ${r.attempts}  ${r.failedAt}  ${r.reason}`,
        );
      }
    });
  failed
    .command('retry [id]')
    .description('requeue one failed job by id, or all of them with --all')
    .option('--all', 'retry every failed job')
    .action(async (id: string | undefined, opts: { all?: boolean }) => {
      if (!id && !opts.all) throw new InvalidArgumentError('give a job id or --all');
      const { retryFailedIn } = await import('../queue/failed.js');
      const n = await withQcQueue(getConfig(), (q) =>
        retryFailedIn(q, opts.all ? 'all' : (id as string)),
      );
      console.log(`requeued ${n} job(s)`);
    });

  program
    .command('context')
    .description('context files (versions live in PostgreSQL)')
    .command('export')
    .description('write the active context versions back to the context directory')
    .option('--dir <dir>', 'target directory (default QC_CONTEXT_DIR)')
    .action(async (opts: { dir?: string }) => {
      const config = getConfig();
      const { exportContext } = await import('../context/store.js');
      const files = await withPool(config, (pool) =>
        exportContext(pool, opts.dir ?? config.QC_CONTEXT_DIR),
      );
      console.log(`exported ${files.length} files: ${files.join(', ')}`);
    });

  registerBatchCommands(program, getConfig);
  registerChiefCommands(program, getConfig);
  registerReviewCommands(program, getConfig);
  registerWritebackCommands(program, getConfig);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

const invokedDirectly = process.argv[1] && /cli\/index\.(ts|js)$/.test(process.argv[1]);
if (invokedDirectly) await main();
