import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config.js';
import type { ProposalStatus } from '../db/proposals.js';
import {
  actorOf,
  nonNegativeInt as int,
  jsonOption,
  printJson,
  reviewerOption,
  withPool,
} from './support.js';

/**
 * `proposals …` and `overrides …`: a team lead's decisions on the command line.
 * Only commander is imported up front; each action imports what it runs.
 */

export function registerProposals(program: Command, getConfig: () => Config): void {
  const proposals = program
    .command('proposals')
    .description('proposed context revisions: list, show, approve, reject, restore');
  proposals
    .command('list')
    .description('proposals, newest first')
    .addOption(
      new Option('--status <s>', 'only proposals in this state').choices([
        'pending',
        'approved',
        'rejected',
        'refused',
        'superseded',
      ]),
    )
    .option('--limit <n>', 'at most n', int, 50)
    .addOption(jsonOption())
    .action(async (opts: { status?: ProposalStatus; limit: number; json?: boolean }) => {
      const { listProposals } = await import('../db/proposals.js');
      const { formatProposalRow } = await import('./proposal-format.js');
      await withPool(getConfig(), async (pool) => {
        const rows = await listProposals(pool, { status: opts.status, limit: opts.limit });
        if (opts.json) return printJson(rows);
        console.log(rows.length ? rows.map(formatProposalRow).join('\n') : 'no proposals');
      });
    });
  proposals
    .command('show <id>')
    .description('a proposal with its evidence, backtest and diff (coloured on a terminal)')
    .option('--no-color', 'plain diff even on a terminal')
    .addOption(jsonOption())
    .action(async (id: string, opts: { color: boolean; json?: boolean }) => {
      const { getProposal } = await import('../db/proposals.js');
      const { formatProposal } = await import('./proposal-format.js');
      await withPool(getConfig(), async (pool) => {
        const p = await getProposal(pool, int(id));
        if (!p) throw new InvalidArgumentError(`no proposal #${id}`);
        if (opts.json) return printJson(p);
        console.log(formatProposal(p, { color: opts.color && Boolean(process.stdout.isTTY) }));
      });
    });
  proposals
    .command('approve <id>')
    .description(
      'activate the proposed file as a new context version (workers use it on their next job)',
    )
    .addOption(reviewerOption())
    .option('--note <text>', 'why')
    .action(async (id: string, opts: { reviewer?: string; note?: string }) => {
      const config = getConfig();
      const actor = actorOf(config, opts.reviewer);
      const { approveProposal } = await import('../decisions/decisions.js');
      await withPool(
        config,
        async (pool) => {
          const who = { reviewer: actor.name, role: actor.role, via: actor.via, note: opts.note };
          const r = await approveProposal(pool, int(id), who);
          console.log(
            `approved #${id}: context/${r.version.file} is now v${r.version.version}` +
              (r.superseded.length
                ? `; superseded ${r.superseded.map((x) => `#${x}`).join(', ')}`
                : ''),
          );
        },
        actor,
      );
    });
  proposals
    .command('reject <id>')
    .description('reject; its failures stay covered, so the pair fires again only after N new ones')
    .addOption(reviewerOption())
    .requiredOption('--note <text>', 'why (required: the chief and the next lead read it)')
    .action(async (id: string, opts: { reviewer?: string; note: string }) => {
      const config = getConfig();
      const actor = actorOf(config, opts.reviewer);
      if (!opts.note.trim()) throw new InvalidArgumentError('--note must say why');
      const { rejectProposal } = await import('../decisions/decisions.js');
      await withPool(
        config,
        async (pool) => {
          const who = { reviewer: actor.name, role: actor.role, via: actor.via, note: opts.note };
          await rejectProposal(pool, int(id), who);
          console.log(`rejected #${id}`);
        },
        actor,
      );
    });
  proposals
    .command('restore [id]')
    .description(
      'make an earlier version active again: the version before proposal <id>, or --file F --version N',
    )
    .option('--file <file>', 'context file, e.g. rubric.md or agents/triage.md')
    .option('--version <n>', 'version to restore', int)
    .option('--list', 'list the versions of --file instead')
    .addOption(reviewerOption())
    .option('--note <text>', 'why')
    .action(
      async (
        id: string | undefined,
        opts: { file?: string; version?: number; list?: boolean; reviewer?: string; note?: string },
      ) => {
        const config = getConfig();
        const { getProposal } = await import('../db/proposals.js');
        const { listVersions, restoreVersion } = await import('../decisions/decisions.js');
        await withPool(config, async (pool) => {
          let file = opts.file;
          let version = opts.version;
          if (id !== undefined) {
            const p = await getProposal(pool, int(id));
            if (!p) throw new InvalidArgumentError(`no proposal #${id}`);
            file = p.file;
            version = p.baseVersion;
          }
          if (!file) throw new InvalidArgumentError('give a proposal id, or --file and --version');
          if (opts.list || version === undefined) {
            for (const v of await listVersions(pool, file)) {
              console.log(
                `v${v.version}${v.active ? ' (active)' : ''}  ${v.createdAt.toISOString()}  ${v.author}  ${v.note ?? ''}`,
              );
            }
            return;
          }
          const actor = actorOf(config, opts.reviewer);
          const created = await restoreVersion(pool, {
            reviewer: actor.name,
            role: actor.role,
            via: actor.via,
            note: opts.note,
            file,
            version,
          });
          console.log(`restored: context/${file} v${created.version} is active again`);
        });
      },
    );
}
