import { type Command, Option } from 'commander';
import type { Config } from '../config.js';
// Pure (no third-party or database code): its keys are the --age choices.
import { AGE_FILTERS } from '../format/age-filters.js';
import { actorOf, positiveInt as positive, reviewerOption, withPool } from './support.js';

/** `escalations list|show|resolve`: tickets the graders escalated to a team lead. */
export function registerEscalationCommands(program: Command, getConfig: () => Config): void {
  const esc = program
    .command('escalations')
    .description('tickets the graders escalated to a team lead');
  esc
    .command('list', { isDefault: true })
    .description('escalations, oldest first while they wait')
    .option(
      '--status <s>',
      'active (open or acknowledged), open, acknowledged, resolved, all',
      'active',
    )
    .option('--rule <id>', 'only this escalation rule')
    .addOption(
      new Option('--age <a>', 'only those waiting this long').choices(
        Object.keys(AGE_FILTERS).filter(Boolean),
      ),
    )
    .option('--limit <n>', 'at most n rows', positive, 200)
    .action(async (o: { status: string; rule?: string; age?: string; limit: number }) => {
      const age = AGE_FILTERS[o.age ?? ''] ?? {};
      const { escalationsTable, statusOption } = await import('./commands/escalations.js');
      await withPool(getConfig(), async (pool) => {
        console.log(
          await escalationsTable(
            pool,
            { status: statusOption(o.status), rule: o.rule, ...age, limit: o.limit },
            new Date(),
          ),
        );
      });
    });
  esc
    .command('show <id>')
    .description('the ticket, the verdict per criterion with evidence, the rule and reason')
    .action(async (id: string) => {
      const { escalationText } = await import('./commands/escalations.js');
      await withPool(getConfig(), async (pool) =>
        console.log(await escalationText(pool, positive(id))),
      );
    });
  esc
    .command('resolve <id>')
    .description('resolve an escalation with a note')
    .requiredOption('--note <text>', 'what was done')
    .addOption(reviewerOption())
    .action(async (id: string, o: { note: string; reviewer: string }) => {
      const config = getConfig();
      const { resolveFromCli } = await import('./commands/escalations.js');
      await withPool(config, async (pool) =>
        console.log(await resolveFromCli(pool, positive(id), o.note, actorOf(config, o.reviewer))),
      );
    });
}
