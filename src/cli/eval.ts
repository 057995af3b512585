import type { Command } from 'commander';
import type { Config } from '../config.js';
import {
  nonNegativeInt as int,
  jsonOption,
  printJson,
  withModelAccess,
  withPool,
} from './support.js';

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
    .addOption(jsonOption())
    .action(async (a: string, b: string, opts: { json?: boolean }) => {
      const { runWithItems, compareRuns, formatComparison } = await import('../eval/index.js');
      await withPool(getConfig(), async (pool) => {
        const A = await runWithItems(pool, int(a));
        const B = await runWithItems(pool, int(b));
        if (!A) throw new Error(`no evaluation run #${a} (see \`ticket-qc eval runs\`)`);
        if (!B) throw new Error(`no evaluation run #${b} (see \`ticket-qc eval runs\`)`);
        const comparison = compareRuns(A.items, B.items);
        if (opts.json) return printJson({ runA: A.run, runB: B.run, ...comparison });
        console.log(formatComparison(A.run, B.run, comparison));
      });
    });
  evalCmd
    .command('runs')
    .description('stored evaluation runs, newest first, to compare models and context versions')
    .option('--model <id>', 'only this model')
    .option('--limit <n>', 'at most n runs', int, 20)
    .addOption(jsonOption())
    .action(async (opts: { model?: string; limit: number; json?: boolean }) => {
      const { listRuns, formatRuns } = await import('../eval/index.js');
      await withPool(getConfig(), async (pool) => {
        const runs = await listRuns(pool, {
          limit: opts.limit,
          ...(opts.model ? { model: opts.model } : {}),
        });
        if (opts.json) return printJson(runs);
        console.log(formatRuns(runs));
      });
    });
}
