import { type Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config.js';
import { jsonOption, positiveInt, printJson, withPool } from './support.js';

/**
 * `writeback status|retry|dry-run`: what was written back to the help desks,
 * what failed and why (the vendor's own answer), and replays. Only commander
 * is imported up front (test/core/cli-startup.test.ts).
 */

/** `zendesk/5158` → ['zendesk', '5158']. */
function ticketArg(v: string): [string, string] {
  const i = v.indexOf('/');
  if (i <= 0 || i === v.length - 1)
    throw new InvalidArgumentError('give the ticket as SOURCE/EXTERNAL_ID, e.g. zendesk/5158');
  return [v.slice(0, i), v.slice(i + 1)];
}

const when = (d: Date | null) => (d ? d.toISOString().replace('T', ' ').slice(0, 19) : '-');

export function registerWritebackCommands(program: Command, getConfig: () => Config): void {
  const wb = program
    .command('writeback')
    .description('notes and tags written back to the help desks (WRITEBACK_<SOURCE>)');

  wb.command('status [ticket]')
    .description(
      "counts by state and the failed list; with SOURCE/EXTERNAL_ID, that ticket's notes",
    )
    .option('--limit <n>', 'failed rows to list', positiveInt, 20)
    .addOption(jsonOption())
    .action(async (ticket: string | undefined, opts: { limit: number; json?: boolean }) => {
      const { listOutbox, outboxCounts, outboxOfTicket } = await import('../db/outbox.js');
      await withPool(getConfig(), async (pool) => {
        if (ticket) {
          const [source, externalId] = ticketArg(ticket);
          const rows = await outboxOfTicket(pool, source, externalId);
          if (opts.json) return printJson(rows);
          if (rows.length === 0) console.log(`nothing written back for ${source}/${externalId}`);
          for (const r of rows) {
            console.log(
              `#${r.id} ${r.kind} ${r.status}${r.noteKind ? ` (${r.noteKind})` : ''}  version ${r.ticketId}  ${when(r.deliveredAt ?? r.createdAt)}  steps ${r.stepsDone.join(',') || '-'}${r.reason ? `  ${r.reason}` : ''}`,
            );
            if (r.vendorStatus)
              console.log(`    vendor answered ${r.vendorStatus}: ${r.vendorAnswer ?? ''}`);
          }
          return;
        }
        const counts = await outboxCounts(pool);
        if (opts.json)
          return printJson({
            counts,
            failed: await listOutbox(pool, { status: 'failed', limit: opts.limit }),
          });
        const keys = Object.keys(counts).sort();
        console.log(
          keys.length ? keys.map((k) => `${k} ${counts[k]}`).join('\n') : 'the outbox is empty',
        );
        const failed = await listOutbox(pool, { status: 'failed', limit: opts.limit });
        if (failed.length) console.log('\nfailed (retry with `ticket-qc writeback retry ID`):');
        for (const r of failed)
          console.log(
            `#${r.id} ${r.source}/${r.externalId} ${r.kind}  ${r.vendorStatus ?? '-'}  ${r.reason ?? ''}  ${(r.vendorAnswer ?? '').slice(0, 200)}`,
          );
      });
    });

  wb.command('retry [target]')
    .description(
      'send failed notes again (a running worker picks them up): an outbox ID, a SOURCE/EXTERNAL_ID ticket, or --failed for all',
    )
    .option('--failed', 'retry every failed row')
    .action(async (target: string | undefined, opts: { failed?: boolean }) => {
      if (!target && !opts.failed)
        throw new InvalidArgumentError('give an outbox id, SOURCE/EXTERNAL_ID, or --failed');
      const { listOutbox, outboxOfTicket, resetForRetry } = await import('../db/outbox.js');
      const n = await withPool(getConfig(), async (pool) => {
        let ids: number[];
        if (!target)
          ids = (await listOutbox(pool, { status: 'failed', limit: 10_000 })).map((r) => r.id);
        else if (/^\d+$/.test(target)) ids = [positiveInt(target)];
        else {
          const [source, externalId] = ticketArg(target);
          ids = (await outboxOfTicket(pool, source, externalId))
            .filter((r) => r.status === 'failed')
            .map((r) => r.id);
        }
        let done = 0;
        for (const x of ids) if (await resetForRetry(pool, x)) done++;
        return done;
      });
      console.log(`queued ${n} note(s) again`);
    });

  wb.command('dry-run <ticket>')
    .description(
      'show the exact requests the latest note of SOURCE/EXTERNAL_ID would send now, without sending',
    )
    .action(async (ticket: string) => {
      const [source, externalId] = ticketArg(ticket);
      const config = getConfig();
      const { outboxOfTicket } = await import('../db/outbox.js');
      const { dryRun, loadTemplates, writebackSettingsOf } = await import('../writeback/index.js');
      const { createLogger } = await import('../logger.js');
      await withPool(config, async (pool) => {
        const rows = await outboxOfTicket(pool, source, externalId);
        const row = rows.at(-1);
        if (!row) {
          console.log(`no result of ${source}/${externalId} to write back`);
          return;
        }
        const settings = writebackSettingsOf(config);
        const r = await dryRun(
          {
            pool,
            settings,
            templates: await loadTemplates(config.QC_CONTEXT_DIR),
            logger: createLogger({ level: 'silent' }),
          },
          row,
        );
        console.log(
          `outbox #${row.id} (${row.kind}, ${row.status})${r.reason ? `: ${r.reason}` : ''}`,
        );
        if (r.note) console.log(`\n--- note ---\n${r.note}\n------------`);
        for (const q of r.requests) {
          const headers = {
            ...q.headers,
            ...(q.headers.authorization ? { authorization: '(redacted)' } : {}),
          };
          console.log(`\n${q.method} ${q.url}\n${JSON.stringify(headers)}\n${q.body ?? ''}`);
        }
      });
    });
}
