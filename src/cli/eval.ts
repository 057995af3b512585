import type { Command } from 'commander';
import type { Config } from '../config.js';
import { nonNegativeInt as int, withModelAccess, withPool } from './support.js';

/** `eval` and `eval runs`: grade a labeled set and compare runs. */
export function registerEvalCommands(program: Command, getConfig: () => Config): void {
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
        await withModelAccess(getConfig(), async (config) => {
          const rt = createRuntime(config, { name: 'eval' });
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
        });
      },
    );
  evalCmd
    .command('compare <runA> <runB>')
    .description(
      'compare two runs over the same labeled set (two context versions or two models): per-ticket flips, McNemar exact test, paired bootstrap interval',
    )
    .action(async (a: string, b: string) => {
      const { runWithItems, compareRuns, formatComparison } = await import('../eval/index.js');
      await withPool(getConfig(), async (pool) => {
        const A = await runWithItems(pool, int(a));
        const B = await runWithItems(pool, int(b));
        if (!A) throw new Error(`no evaluation run #${a} (see \`ticket-qc eval runs\`)`);
        if (!B) throw new Error(`no evaluation run #${b} (see \`ticket-qc eval runs\`)`);
        console.log(formatComparison(A.run, B.run, compareRuns(A.items, B.items)));
      });
    });
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
}
