import type { Command } from 'commander';
import type { Config } from '../config.js';
import { nonNegativeInt as int, withPool } from './support.js';

/** `overrides add|list`: a team lead overturns a verdict (each counts as a failure for the chief). */
export function registerOverrides(program: Command, getConfig: () => Config): void {
  const overrides = program
    .command('overrides')
    .description('team-lead overrides of QC verdicts (each counts as a failure for the chief)');
  overrides
    .command('add')
    .description('overturn a verdict, or one criterion with --criterion')
    .requiredOption('--ticket <ref>', 'ticket id, or external id (latest version)')
    .option('--criterion <id>', 'criterion id from rubric.md (omit to overturn the outcome)')
    .requiredOption(
      '--verdict <v>',
      'met|partial|missing|n/a for a criterion; pass|fail|escalate for the outcome',
    )
    .requiredOption('--reason <text>', 'why the verdict is wrong')
    .requiredOption('--reviewer <name>', 'who overrides')
    .option('--evidence <quote>', 'a quote from the ticket that supports the correction')
    .action(
      async (opts: {
        ticket: string;
        criterion?: string;
        verdict: string;
        reason: string;
        reviewer: string;
        evidence?: string;
      }) => {
        const { addOverride, resolveTicketRef } = await import('../decisions/overrides.js');
        await withPool(getConfig(), async (pool) => {
          const ticketId = await resolveTicketRef(pool, opts.ticket);
          const o = await addOverride(pool, { ...opts, ticketId });
          console.log(
            `override #${o.id}: ticket #${o.ticketId} ${o.criterion ?? 'outcome'} ${o.original} → ${o.corrected} (${o.reviewer})`,
          );
        });
      },
    );
  overrides
    .command('list')
    .description('overrides, newest first')
    .option('--ticket <ref>', 'only this ticket')
    .option('--limit <n>', 'at most n', int, 50)
    .action(async (opts: { ticket?: string; limit: number }) => {
      const { listOverrides, resolveTicketRef } = await import('../decisions/overrides.js');
      await withPool(getConfig(), async (pool) => {
        const ticketId = opts.ticket ? await resolveTicketRef(pool, opts.ticket) : undefined;
        const rows = await listOverrides(pool, {
          limit: opts.limit,
          ...(ticketId ? { ticketId } : {}),
        });
        if (rows.length === 0) console.log('no overrides');
        for (const o of rows) {
          console.log(
            `#${o.id}  ${o.createdAt.toISOString().slice(0, 16)}  ticket #${o.ticketId}  ${o.criterion ?? 'outcome'} ${o.original} → ${o.corrected}  ${o.reviewer}: ${o.reason}`,
          );
        }
      });
    });
}
