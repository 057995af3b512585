import { type Command, Option } from 'commander';
import type { Config } from '../config.js';
import type { CostKey } from '../db/costs.js';
import { jsonOption, positiveInt, printJson, withPool } from './support.js';

/** `costs`: model calls, tokens and cost, grouped, with the biggest cost driver. */
export function registerCostsCommand(program: Command, getConfig: () => Config): void {
  program
    .command('costs')
    .description('model calls, tokens and cost, with the biggest cost driver')
    .option('--since <date>', 'from this day (YYYY-MM-DD) or time (ISO), inclusive')
    .option('--until <date>', 'through this day (YYYY-MM-DD) or up to this time (ISO)')
    .addOption(
      new Option('--by <key>', 'group rows by')
        .choices(['agent', 'model', 'day', 'ticket'])
        .default('agent'),
    )
    .option('--limit <n>', 'at most n rows (the TOTAL counts every row)', positiveInt, 50)
    .addOption(jsonOption())
    .action(
      async (o: { since?: string; until?: string; by: CostKey; limit: number; json?: boolean }) => {
        const { costsReport, parseRange } = await import('./commands/costs.js');
        const range = parseRange(o.since, o.until);
        await withPool(getConfig(), async (pool) => {
          if (o.json) {
            const { costBy } = await import('../db/costs.js');
            printJson((await costBy(pool, o.by, range)).slice(0, o.limit));
          } else console.log(await costsReport(pool, o.by, range, o.limit));
        });
      },
    );
}
