import type { Command } from 'commander';
import type { Config } from '../config.js';
import { nonNegativeInt as int, withModelAccess } from './support.js';

/**
 * The commands that run a process until SIGTERM (`serve`, `worker`, `simulator`)
 * or end to end (`demo`): each calls its wiring in workers/.
 */
export function registerProcessCommands(program: Command, getConfig: () => Config): void {
  program
    .command('demo')
    .description(
      'grade the example tickets end to end (starts the simulator when no ANTHROPIC_API_KEY is set)',
    )
    .option('--file <path>', 'tickets to grade (JSONL)', 'examples/tickets.jsonl')
    .option('--limit <n>', 'grade only the first n tickets', int)
    .option(
      '--keep',
      'then leave the simulator, a worker and the API with the review pages running, with a printed login',
    )
    .action(async (opts: { file: string; limit?: number; keep?: boolean }) => {
      const { runDemo } = await import('../../workers/demo.js');
      process.exitCode = await runDemo(getConfig(), {
        file: opts.file,
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        ...(opts.keep ? { keep: true } : {}),
      });
    });

  program
    .command('dev')
    .description(
      'a local playground: the demo, then the simulator, a worker and the API with the review pages keep running (a login is printed); Ctrl-C stops',
    )
    .option('--file <path>', 'tickets to grade (JSONL)', 'examples/tickets.jsonl')
    .option('--limit <n>', 'grade only the first n tickets', int)
    .action(async (opts: { file: string; limit?: number }) => {
      const { runDemo } = await import('../../workers/demo.js');
      process.exitCode = await runDemo(getConfig(), {
        file: opts.file,
        keep: true,
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
      await withModelAccess(getConfig(), (config) => runWorkerProcess(config), {
        refuse:
          'a worker would retry the real API and fail every job; set ANTHROPIC_API_KEY, or ANTHROPIC_BASE_URL to a simulator (`ticket-qc simulator`), or run `ticket-qc dev`',
      });
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
}
