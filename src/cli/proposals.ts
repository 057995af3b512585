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
    .description(
      'proposed context revisions: list, show, approve, reject, dismiss, restore; system health notices',
    );
  proposals
    .command('list')
    .description('proposals, newest first')
    .addOption(
      new Option('--status <s>', 'only proposals in this state').choices([
        'pending',
        'approved',
        'rejected',
        'dismissed',
        'refused',
        'superseded',
        'no_improvement',
        'not_a_context_problem',
      ]),
    )
    .option('--open', 'only proposals no lead has decided (pending first to act on)')
    .option('--limit <n>', 'at most n', int, 50)
    .addOption(jsonOption())
    .action(
      async (opts: { status?: ProposalStatus; open?: boolean; limit: number; json?: boolean }) => {
        const { listProposals } = await import('../db/proposals.js');
        const { OPEN, PROPOSAL_STATES } = await import('../decisions/lifecycle.js');
        const { formatProposalRow } = await import('./proposal-format.js');
        if (opts.status && !(PROPOSAL_STATES as readonly string[]).includes(opts.status))
          throw new InvalidArgumentError(
            `--status must be one of ${PROPOSAL_STATES.join(', ')} (got "${opts.status}")`,
          );
        await withPool(getConfig(), async (pool) => {
          const rows = await listProposals(pool, {
            limit: opts.limit,
            ...(opts.status ? { status: opts.status } : opts.open ? { status: OPEN } : {}),
          });
          if (opts.json) return printJson(rows);
          console.log(rows.length ? rows.map(formatProposalRow).join('\n') : 'no proposals');
        });
      },
    );
  proposals
    .command('health')
    .description(
      'system health: operational failures (invalid output, API faults, timeouts, budget stops) the chief sent to an operator instead of a proposal',
    )
    .option('--all', 'acknowledged notices too')
    .option('--ack <id>', 'acknowledge notice <id>', int)
    .addOption(jsonOption())
    .option('--reviewer <name>', 'who acknowledges', process.env.USER ?? 'operator')
    .action(async (opts: { all?: boolean; ack?: number; reviewer: string; json?: boolean }) => {
      const { acknowledgeNotice, listNotices } = await import('../db/notices.js');
      await withPool(getConfig(), async (pool) => {
        if (opts.ack !== undefined) {
          const ok = await acknowledgeNotice(pool, opts.ack, opts.reviewer);
          if (!ok) throw new InvalidArgumentError(`no open notice #${opts.ack}`);
          console.log(`acknowledged notice #${opts.ack}`);
          return;
        }
        const rows = await listNotices(pool, { open: !opts.all });
        if (opts.json) return printJson(rows);
        if (rows.length === 0) {
          console.log('no operational notices: nothing for an operator to look at');
          return;
        }
        for (const n of rows) {
          console.log(
            `#${n.id} ${n.agent}/${n.category}: ${n.failures} failures on ${n.tickets} tickets, ` +
              `${n.firstAt.toISOString().slice(0, 16)} → ${n.lastAt.toISOString().slice(0, 16)}` +
              (n.acknowledgedAt ? ` (acknowledged by ${n.acknowledgedBy})` : ''),
          );
        }
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
      const { approvalRisk } = await import('../decisions/lifecycle.js');
      const { getProposal } = await import('../db/proposals.js');
      await withPool(
        config,
        async (pool) => {
          const who = { reviewer: actor.name, role: actor.role, via: actor.via, note: opts.note };
          // As on the review page: a risky approval (nothing fixed, anything regressed,
          // no backtest) needs the lead's reason.
          const p = await getProposal(pool, int(id));
          if (!p) throw new InvalidArgumentError(`no proposal #${id}`);
          const risk = approvalRisk(p);
          if (risk && !opts.note?.trim())
            throw new InvalidArgumentError(`--note is required: ${risk}`);
          const r = await approveProposal(pool, int(id), who);
          console.log(
            `approved #${id}: context/${r.version.file} is now v${r.version.version}` +
              (r.rebased.length
                ? `; still pending, rebased onto v${r.version.version}: ${r.rebased.map((x) => `#${x}`).join(', ')}`
                : '') +
              (r.superseded.length
                ? `; closed (their change conflicts): ${r.superseded.map((x) => `#${x}`).join(', ')}`
                : ''),
          );
        },
        actor,
      );
    });
  proposals
    .command('reject <id>')
    .description(
      'reject any open proposal; its tickets stay covered, so the pair fires again only after QC_CHIEF_THRESHOLD new tickets fail',
    )
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
    .command('dismiss <id>')
    .description(
      'close any open proposal without judging its content (quiet like a rejection until new tickets fail)',
    )
    .requiredOption('--reviewer <name>', 'who dismisses')
    .option('--note <text>', 'why')
    .action(async (id: string, opts: { reviewer: string; note?: string }) => {
      const { dismissProposal } = await import('../decisions/decisions.js');
      await withPool(getConfig(), async (pool) => {
        await dismissProposal(pool, int(id), opts);
        console.log(`dismissed #${id}`);
      });
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
        // A restore is a decision: who made it, and where the name came from, is audited.
        const restoring = !opts.list && (id !== undefined || opts.version !== undefined);
        const restorer = restoring ? actorOf(config, opts.reviewer) : undefined;
        await withPool(
          config,
          async (pool) => {
            let file = opts.file;
            let version = opts.version;
            if (id !== undefined) {
              const p = await getProposal(pool, int(id));
              if (!p) throw new InvalidArgumentError(`no proposal #${id}`);
              file = p.file;
              version = p.baseVersion;
            }
            if (!file)
              throw new InvalidArgumentError('give a proposal id, or --file and --version');
            if (opts.list || version === undefined) {
              for (const v of await listVersions(pool, file)) {
                console.log(
                  `v${v.version}${v.active ? ' (active)' : ''}  ${v.createdAt.toISOString()}  ${v.author}  ${v.note ?? ''}`,
                );
              }
              return;
            }
            const actor = restorer ?? actorOf(config, opts.reviewer);
            const created = await restoreVersion(pool, {
              reviewer: actor.name,
              role: actor.role,
              via: actor.via,
              note: opts.note,
              file,
              version,
            });
            console.log(`restored: context/${file} v${created.version} is active again`);
          },
          restorer,
        );
      },
    );
}
