import type { Command } from 'commander';
import type { Config } from '../config.js';
import { registerOverrides, registerProposals } from './proposals.js';
import { nonNegativeInt as int, withPool } from './support.js';

/**
 * `chief`, `eval`, `proposals` and `overrides`: the chief of staff and the
 * team lead's decisions on the command line. Each command reads the same
 * environment as the servers. Only commander is imported up front: each
 * action imports what it runs, so `ticket-qc --help` stays fast.
 */

export function registerChiefCommands(program: Command, getConfig: () => Config): void {
  const chief = program
    .command('chief')
    .description(
      'run the chief of staff: every QC_CHIEF_INTERVAL, turn repeated failures into proposed context diffs',
    )
    .action(async () => {
      const { runChiefProcess } = await import('../../workers/chief-of-staff.js');
      await runChiefProcess(getConfig());
    });
  chief
    .command('run-once')
    .description('one chief pass now: detect, propose, backtest, store; then exit')
    .action(async () => {
      const { runChiefOnce } = await import('../../workers/chief-of-staff.js');
      const { formatPass } = await import('./proposal-format.js');
      console.log(formatPass(await runChiefOnce(getConfig())));
    });

  const evalCmd = program
    .command('eval')
    .description(
      "grade a labeled set; report outcome accuracy, agreement and Cohen's kappa vs gold, cost, latency",
    )
    .option(
      '--dataset <file|db>',
      'labeled JSONL ({"ticket", "gold"} rows), or db / db:import / db:review for the gold labels stored in PostgreSQL (db:review = verdicts team leads added from overrides)',
      'examples/tickets.jsonl',
    )
    .option('--model <id>', 'QC model to evaluate (default QC_MODEL)')
    .option(
      '--context-version <v>',
      'active | a QC context sha (or 6+ hex prefix) | file@N[,file@N]',
    )
    .option('--limit <n>', 'only the first n labeled rows', int)
    .option('--concurrency <n>', 'tickets graded at once', int, 4)
    .action(
      async (opts: {
        dataset: string;
        model?: string;
        contextVersion?: string;
        limit?: number;
        concurrency: number;
      }) => {
        const { createRuntime } = await import('../runtime.js');
        const { runEval, formatReport } = await import('../eval/index.js');
        const rt = createRuntime(getConfig(), { name: 'eval' });
        try {
          const report = await runEval(rt, {
            dataset: opts.dataset,
            model: opts.model,
            contextVersion: opts.contextVersion,
            limit: opts.limit,
            concurrency: Math.max(1, opts.concurrency),
          });
          console.log(formatReport(report));
        } finally {
          await rt.pool.end();
        }
      },
    );
  evalCmd
    .command('runs')
    .description('stored evaluation runs, newest first, to compare models and context versions')
    .option('--model <id>', 'only this model')
    .option('--limit <n>', 'at most n runs', int, 20)
    .action(async (opts: { model?: string; limit: number }) => {
      const { listRuns, formatRuns } = await import('../eval/index.js');
      await withPool(getConfig(), async (pool) =>
        console.log(formatRuns(await listRuns(pool, opts))),
      );
    });

  registerProposals(program, getConfig);
  registerOverrides(program, getConfig);
}
