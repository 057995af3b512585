import { userInfo } from 'node:os';
import { type Command, Option } from 'commander';
import type { Config } from '../config.js';
import type { CostKey } from '../db/costs.js';
// Pure (no third-party or database code): its keys are the --age choices.
import { AGE_FILTERS } from '../format/age-filters.js';
import { positiveInt as positive, withPool, withQcQueue as withQueue } from './support.js';

/**
 * `escalations`, `queue`, `costs` and `review hash-password`. Shell access to
 * the servers' environment is admin-equivalent (it reaches the database and
 * Redis directly); a --reviewer named in REVIEW_USERS keeps that user's role.
 * Only commander (and the --age choices) are imported up front: each action
 * imports what it runs, so `ticket-qc --help` stays fast.
 */

function actorOf(config: Config, name: string) {
  const user = config.REVIEW_USERS.find((u) => u.name === name);
  return { name, role: user?.role ?? 'operator', via: 'cli' as const };
}

const reviewerOption = () =>
  new Option('--reviewer <name>', 'who acts (recorded in the audit log)').default(
    userInfo().username,
  );

export function registerReviewCommands(program: Command, getConfig: () => Config): void {
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

  const queue = program.command('queue').description('pause or resume grading (the qc queue)');
  queue
    .command('status', { isDefault: true })
    .description('paused or running, job counts, budget use')
    .action(async () => {
      const config = getConfig();
      const { budgetSpend } = await import('../budget/spend.js');
      const { usd } = await import('../format/display.js');
      await withQueue(config, async (q) => {
        const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
        console.log(
          `qc queue: ${(await q.isPaused()) ? 'PAUSED' : 'running'}  ${Object.entries(counts)
            .map(([k, v]) => `${k} ${v}`)
            .join('  ')}`,
        );
      });
      await withPool(config, async (pool) => {
        const b = await budgetSpend(pool, config, new Date());
        for (const p of [b.day, b.month]) {
          console.log(
            `${p.kind === 'day' ? 'today' : 'this month'}: ${usd(p.spendUsd)}${p.limitUsd ? ` of ${usd(p.limitUsd)} (${Math.round(100 * (p.share ?? 0))}%)` : ' (no budget set)'}`,
          );
        }
      });
    });
  for (const action of ['pause', 'resume'] as const) {
    queue
      .command(action)
      .description(
        action === 'pause'
          ? 'stop workers taking new jobs'
          : 'let workers take jobs again (lifts a budget stop for this period)',
      )
      .option('--note <text>', 'why')
      .addOption(reviewerOption())
      .action(async (o: { note?: string; reviewer: string }) => {
        const config = getConfig();
        const actor = actorOf(config, o.reviewer);
        const { pauseQueue, resumeQueue } = await import('../budget/control.js');
        await withPool(config, (pool) =>
          withQueue(config, async (q) => {
            if (action === 'pause') await pauseQueue(pool, q, actor, o.note);
            else {
              const lifted = await resumeQueue(pool, q, actor, o.note);
              if (lifted.length) console.log(`budget stop lifted for: ${lifted.join(', ')}`);
            }
            console.log(`qc queue ${action === 'pause' ? 'paused' : 'resumed'} by ${actor.name}`);
          }),
        );
      });
  }

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
    .action(async (o: { since?: string; until?: string; by: CostKey }) => {
      const { costsReport, parseRange } = await import('./commands/costs.js');
      const range = parseRange(o.since, o.until);
      await withPool(getConfig(), async (pool) =>
        console.log(await costsReport(pool, o.by, range)),
      );
    });

  program
    .command('review')
    .description('team-lead review pages (served by `ticket-qc serve` under /review)')
    .command('hash-password')
    .description(
      'hash a password for REVIEW_USERS (reads it from the terminal, or the first line of stdin)',
    )
    .option('--name <name>', 'print a whole REVIEW_USERS entry for this user')
    .addOption(
      new Option('--role <role>', 'with --name').choices(['reviewer', 'admin']).default('reviewer'),
    )
    .action(async (o: { name?: string; role: string }) => {
      const { readPassword } = await import('./commands/password.js');
      const { hashPassword } = await import('../decisions/password.js');
      const password = await readPassword('Password: ');
      const hash = await hashPassword(password);
      console.log(o.name ? `${o.name}:${o.role}:${hash}` : hash);
    });
}
