import { Command } from 'commander';
import type { Config } from '../config.js';
import { registerBatchCommands } from './batch.js';
import { registerChiefCommands } from './chief.js';
import { registerCostsCommand } from './costs.js';
import { registerEraseCommand } from './erase.js';
import { registerEscalationCommands } from './escalations.js';
import { registerEvalCommands } from './eval.js';
import { registerFailedCommands } from './failed.js';
import { registerOverrides } from './overrides.js';
import { registerPatternsCommands } from './patterns.js';
import { registerProcessCommands } from './processes.js';
import { registerProposals } from './proposals.js';
import { registerQueueCommands } from './queue.js';
import { registerReviewCommands } from './review.js';
import { registerSetupCommands } from './setup.js';
import { registerWritebackCommands } from './writeback.js';

let loadConfigOrExit: typeof import('../config.js').loadConfigOrExit | undefined;

/** The default config source; its module is loaded by buildCli's preAction hook. */
function configFromEnv(): Config {
  if (!loadConfigOrExit) throw new Error('the configuration is read once a command runs');
  return loadConfigOrExit();
}

/**
 * `ticket-qc` — every command reads the same environment as the servers
 * (see README "Configuration"). One file per command group registers it.
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

  registerSetupCommands(program, getConfig);
  registerProcessCommands(program, getConfig);
  registerFailedCommands(program, getConfig);
  registerBatchCommands(program, getConfig);
  registerChiefCommands(program, getConfig);
  registerEvalCommands(program, getConfig);
  registerProposals(program, getConfig);
  registerPatternsCommands(program, getConfig);
  registerOverrides(program, getConfig);
  registerEscalationCommands(program, getConfig);
  registerQueueCommands(program, getConfig);
  registerCostsCommand(program, getConfig);
  registerReviewCommands(program, getConfig);
  registerEraseCommand(program, getConfig);
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
