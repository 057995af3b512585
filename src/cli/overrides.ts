import { type Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config.js';
import {
  actorOf,
  nonNegativeInt as int,
  jsonOption,
  printJson,
  reviewerOption,
  withPool,
} from './support.js';

const VERDICTS = ['pass', 'fail', 'escalate', 'met', 'partial', 'missing', 'n/a'];

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
    .addOption(reviewerOption())
    .option('--evidence <quote>', 'a quote from the ticket that supports the correction')
    .action(
      async (opts: {
        ticket: string;
        criterion?: string;
        verdict: string;
        reason: string;
        reviewer?: string;
        evidence?: string;
      }) => {
        if (!VERDICTS.includes(opts.verdict))
          throw new InvalidArgumentError(`--verdict is one of ${VERDICTS.join(', ')}`);
        const config = getConfig();
        const actor = actorOf(config, opts.reviewer);
        const { addOverride, resolveTicketRef } = await import('../decisions/overrides.js');
        const { sameOverride } = await import('../db/overrides.js');
        const { latestResultId } = await import('../db/review-pages.js');
        const { helpDeskIds } = await import('../db/ticket-index.js');
        await withPool(
          config,
          async (pool) => {
            const ticketId = await resolveTicketRef(pool, opts.ticket);
            const resultId = await latestResultId(pool, ticketId);
            const dup =
              resultId === undefined
                ? undefined
                : await sameOverride(pool, {
                    resultId,
                    criterion: opts.criterion ?? null,
                    corrected: opts.verdict,
                  });
            if (dup)
              throw new Error(
                `${dup.reviewer} already recorded this override (#${dup.id}); the same one is not counted twice`,
              );
            const o = await addOverride(pool, {
              ...opts,
              ticketId,
              reviewer: actor.name,
              role: actor.role,
              via: 'cli',
            });
            const k = (await helpDeskIds(pool, [o.ticketId])).get(o.ticketId);
            console.log(
              `override #${o.id}: ${k ? `${k.source}#${k.externalId}` : `ticket version ${o.ticketId}`} ${o.criterion ?? 'outcome'} ${o.original} → ${o.corrected} (${o.reviewer})`,
            );
          },
          actor,
        );
      },
    );
  overrides
    .command('list')
    .description('overrides, newest first')
    .option('--ticket <ref>', 'only this ticket')
    .option('--limit <n>', 'at most n', int, 50)
    .addOption(jsonOption())
    .action(async (opts: { ticket?: string; limit: number; json?: boolean }) => {
      const { listOverrides, resolveTicketRef } = await import('../decisions/overrides.js');
      const { helpDeskIds } = await import('../db/ticket-index.js');
      await withPool(getConfig(), async (pool) => {
        const ticketId = opts.ticket ? await resolveTicketRef(pool, opts.ticket) : undefined;
        const rows = await listOverrides(pool, {
          limit: opts.limit,
          ...(ticketId ? { ticketId } : {}),
        });
        const keys = await helpDeskIds(
          pool,
          rows.map((o) => o.ticketId),
        );
        const ticketOf = (id: number) => {
          const k = keys.get(id);
          return k ? `${k.source}#${k.externalId}` : `ticket version ${id}`;
        };
        if (opts.json) return printJson(rows.map((o) => ({ ...o, ticket: ticketOf(o.ticketId) })));
        if (rows.length === 0) console.log('no overrides');
        for (const o of rows) {
          console.log(
            `#${o.id}  ${o.createdAt.toISOString().slice(0, 16)}  ${ticketOf(o.ticketId)}  ${o.criterion ?? 'outcome'} ${o.original} → ${o.corrected}  ${o.reviewer}: ${o.reason}`,
          );
        }
      });
    });
}
