import { type Command, Option } from 'commander';
import type { Config } from '../config.js';
// Pure (no third-party or database code): its keys are the --age choices.
import { AGE_FILTERS } from '../format/age-filters.js';
import {
  actorOf,
  jsonOption,
  positiveInt as positive,
  printJson,
  reviewerOption,
  withPool,
} from './support.js';

const STATUSES = ['active', 'open', 'acknowledged', 'resolved', 'all'] as const;

/** `escalations list|show|acknowledge|resolve`: tickets the graders escalated to a team lead. */
export function registerEscalationCommands(program: Command, getConfig: () => Config): void {
  const esc = program
    .command('escalations')
    .description('tickets the graders escalated to a team lead');
  esc
    .command('list', { isDefault: true })
    .description('escalations, oldest first while they wait')
    .addOption(
      new Option('--status <s>', 'active = open or acknowledged')
        .choices(STATUSES)
        .default('active'),
    )
    .option('--rule <id>', 'only this escalation rule')
    .addOption(
      new Option('--age <a>', 'only those waiting this long').choices(
        Object.keys(AGE_FILTERS).filter(Boolean),
      ),
    )
    .option('--limit <n>', 'at most n rows', positive, 200)
    .addOption(jsonOption())
    .action(
      async (o: { status: string; rule?: string; age?: string; limit: number; json?: boolean }) => {
        const age = AGE_FILTERS[o.age ?? ''] ?? {};
        const { escalationsTable, statusOption } = await import('./commands/escalations.js');
        await withPool(getConfig(), async (pool) => {
          const f = { status: statusOption(o.status), rule: o.rule, ...age, limit: o.limit };
          if (o.json) {
            const { listEscalations } = await import('../db/escalations.js');
            printJson(await listEscalations(pool, f, new Date()));
          } else console.log(await escalationsTable(pool, f, new Date()));
        });
      },
    );
  esc
    .command('show <id>')
    .description('the ticket, the verdict per criterion with evidence, the rule and reason')
    .addOption(jsonOption())
    .action(async (id: string, o: { json?: boolean }) => {
      const { escalationText, escalationJson } = await import('./commands/escalations.js');
      await withPool(getConfig(), async (pool) =>
        o.json
          ? printJson(await escalationJson(pool, positive(id)))
          : console.log(await escalationText(pool, positive(id))),
      );
    });
  for (const to of ['acknowledge', 'resolve'] as const) {
    const cmd = esc
      .command(`${to} <ids...>`)
      .description(
        to === 'resolve'
          ? 'resolve one or more escalations with a note'
          : 'acknowledge one or more escalations (someone is on it)',
      );
    if (to === 'resolve') cmd.requiredOption('--note <text>', 'what was done');
    else cmd.option('--note <text>', 'optional note');
    cmd
      .addOption(reviewerOption())
      .action(async (ids: string[], o: { note?: string; reviewer?: string }) => {
        const config = getConfig();
        const actor = actorOf(config, o.reviewer);
        const { moveFromCli } = await import('./commands/escalations.js');
        await withPool(
          config,
          async (pool) =>
            console.log(await moveFromCli(pool, ids.map(positive), to, o.note ?? '', actor)),
          actor,
        );
      });
  }
}
