import { type Command, Option } from 'commander';
import type { MineResult } from '../chief/mine.js';
import type { Config } from '../config.js';
import { positiveInt, withModelAccess } from './support.js';

// Only commander here: the action imports what it runs (test/core/cli-startup.test.ts).

function printMine(r: MineResult, model: string, via: string): string[] {
  if (r.skipped) return [`nothing mined: ${r.skipped}`];
  if (r.waiting)
    return [
      `run #${r.runId}: message batch ${r.waiting} is still processing; run \`ticket-qc patterns mine\` again (or let a worker's batch poller) collect it`,
    ];
  const out = [
    `mined ${r.tickets} ticket(s) in ${r.chunks} chunk(s) with ${model} via ${via}${r.runId ? ` (run #${r.runId}${r.resumed ? ', resumed an interrupted batch' : ''})` : ''}; cost $${r.costUsd.toFixed(4)}`,
  ];
  for (const e of r.errors) out.push(`  error: ${e}`);
  if (r.patterns.length === 0) out.push('no problem recurred often enough to become a pattern');
  for (const p of r.patterns)
    out.push(`  ${p.existing ? 'edit' : 'new '} \`${p.id}\` ← ${p.tickets.join(', ')}`);
  if (r.proposal) {
    out.push(
      `proposal #${r.proposal.id} ${r.proposal.status} → context/patterns.md${r.proposal.reason ? ` (${r.proposal.reason})` : ''}`,
      `review it: ticket-qc proposals show ${r.proposal.id}`,
    );
  }
  return out;
}

/** `ticket-qc patterns mine`: recurring problems from history, proposed as a patterns.md diff. */
export function registerPatternsCommands(program: Command, getConfig: () => Config): void {
  const patterns = program
    .command('patterns')
    .description('known patterns (context/patterns.md) mined from historical tickets');
  patterns
    .command('mine')
    .description(
      'read historical tickets in chunks with CHIEF_MODEL, cluster recurring problems, and propose additions or edits to context/patterns.md (backtested like any proposal)',
    )
    .option(
      '--since <date>',
      'tickets updated since (YYYY-MM-DD in QC_TZ, or ISO-8601 with offset)',
    )
    .option(
      '--limit <n>',
      'at most this many tickets, newest first (default QC_PATTERNS_LIMIT)',
      positiveInt,
    )
    .addOption(
      new Option(
        '--via <path>',
        'Message Batches (half price) or realtime calls (default QC_PATTERNS_VIA)',
      ).choices(['batches', 'realtime']),
    )
    .option('--dry-run', 'print the estimated cost and exit: nothing is called or stored')
    .action(
      async (opts: {
        since?: string;
        limit?: number;
        via?: 'batches' | 'realtime';
        dryRun?: boolean;
      }) => {
        const base = getConfig();
        const via = opts.via ?? base.QC_PATTERNS_VIA;
        const limit = opts.limit ?? base.QC_PATTERNS_LIMIT;
        const run = async (config: Config) => {
          const { createRuntime } = await import('../runtime.js');
          const { minePatterns } = await import('../chief/mine.js');
          const { mineDepsOf } = await import('../chief/mine-deps.js');
          const { parseDateOption } = await import('../db/selection.js');
          const { formatMineEstimate } = await import('../chief/mine-estimate.js');
          const rt = createRuntime(config, { name: 'ticket-qc-cli' });
          try {
            const since = opts.since
              ? await parseDateOption(rt.pool, opts.since, config.QC_TZ, 'since')
              : undefined;
            const r = await minePatterns(mineDepsOf(rt), {
              since,
              limit,
              via,
              dryRun: opts.dryRun ?? false,
            });
            if (r.estimate) {
              console.log(formatMineEstimate(r.estimate, config.CHIEF_MODEL, via));
              console.log('dry run: nothing was called or stored');
              return;
            }
            for (const line of printMine(r, config.CHIEF_MODEL, via)) console.log(line);
            // Every chunk's call failed and nothing was proposed: not a quiet success.
            if (r.errors.length > 0 && r.errors.length === r.chunks) process.exitCode = 1;
          } finally {
            await rt.pool.end();
          }
        };
        // A dry run calls no model: no key needed, no simulator started.
        if (opts.dryRun) await run(base);
        else await withModelAccess(base, run);
      },
    );
}
