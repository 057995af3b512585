import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { withPool } from './support.js';

/**
 * `ticket-qc erase --customer EMAIL | --ticket SOURCE:ID`: removes a
 * customer's or one ticket's personal data (README "Personal data"). Only
 * commander is imported up front; the action imports the database code.
 */
export function registerEraseCommand(program: Command, getConfig: () => Config): void {
  program
    .command('erase')
    .description(
      'erase tickets (every version), results, escalations, overrides and the events naming them; audited without the data',
    )
    .option('--customer <email>', 'every ticket of this requester, or naming this address')
    .option('--ticket <source:id>', 'one ticket, all its versions')
    .option('--actor <name>', 'who asked (recorded in the audit log)', userInfo().username)
    .action(async (o: { customer?: string; ticket?: string; actor: string }) => {
      if (Boolean(o.customer) === Boolean(o.ticket)) {
        console.error('erase: give exactly one of --customer EMAIL or --ticket SOURCE:ID');
        process.exitCode = 2;
        return;
      }
      const sel = o.customer
        ? ({ kind: 'customer', email: o.customer.trim() } as const)
        : ticketSelector(o.ticket ?? '');
      if (!sel || (sel.kind === 'customer' && !/^[^@\s]+@[^@\s]+$/.test(sel.email))) {
        console.error('erase: --customer takes an e-mail address, --ticket SOURCE:ID');
        process.exitCode = 2;
        return;
      }
      const { eraseTickets } = await import('../db/erase.js');
      await withPool(getConfig(), async (pool) => {
        const r = await eraseTickets(pool, sel, { actor: o.actor, role: 'operator', via: 'cli' });
        const c = r.counts;
        console.log(
          `erased ${c.tickets} ticket version(s), ${c.results} result(s), ${c.escalations} escalation(s), ` +
            `${c.overrides} override(s), ${c.goldLabels} gold label(s), ${c.events} event(s); ` +
            `${c.costEventsDetached} paid call(s) kept for spend without their ticket; ` +
            `${c.proposalsScrubbed} proposal(s) scrubbed`,
        );
        if (c.tickets === 0) console.log('nothing matched (the erase is still in the audit log)');
      });
    });
}

function ticketSelector(text: string) {
  const i = text.indexOf(':');
  if (i <= 0 || i === text.length - 1) return undefined;
  return { kind: 'ticket', source: text.slice(0, i), externalId: text.slice(i + 1) } as const;
}
