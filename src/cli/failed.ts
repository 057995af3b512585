import { type Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config.js';
import { nonNegativeInt as int, jsonOption, printJson, withPool, withQcQueue } from './support.js';

/** `failed` and `failed retry`: QC jobs that ran out of attempts. */
export function registerFailedCommands(program: Command, getConfig: () => Config): void {
  const failed = program
    .command('failed')
    .description('list QC jobs that ran out of attempts, with their reason')
    .option('--limit <n>', 'at most n jobs', int, 50)
    .addOption(jsonOption())
    .action(async (opts: { limit: number; json?: boolean }) => {
      const config = getConfig();
      const { failedJobsOf } = await import('../queue/failed.js');
      const { helpDeskIds } = await import('../db/ticket-index.js');
      const jobs = await withQcQueue(config, (q) => failedJobsOf(q, opts.limit));
      // Help-desk ids, not our version ids or 67-character job ids, are what a lead can look up.
      const keys = await withPool(config, (pool) =>
        helpDeskIds(
          pool,
          jobs.flatMap((j) => (j.ticketId === undefined ? [] : [j.ticketId])),
        ),
      );
      const rows = jobs.map((j) => {
        const k = j.ticketId === undefined ? undefined : keys.get(j.ticketId);
        return { ...j, ticket: k ? `${k.source}#${k.externalId}` : undefined };
      });
      if (opts.json) {
        printJson(rows);
        return;
      }
      if (rows.length === 0) {
        console.log('no failed jobs');
        return;
      }
      for (const r of rows) {
        console.log(
          `${r.ticket ?? `ticket version ${r.ticketId ?? '?'}`}  attempts ${r.attempts}  ${r.failedAt}  ${r.reason}\n    job ${r.id}`,
        );
      }
    });
  failed
    .command('retry [id]')
    .description('requeue one failed job by id, or all of them with --all')
    .option('--all', 'retry every failed job')
    .action(async (id: string | undefined, opts: { all?: boolean }) => {
      if (!id && !opts.all) throw new InvalidArgumentError('give a job id or --all');
      const { retryFailedIn } = await import('../queue/failed.js');
      const { rebuildPayload } = await import('../qc/lost-payload.js');
      const { qcContextOf } = await import('../qc/context.js');
      const { ContextStore } = await import('../context/store.js');
      const config = getConfig();
      const out = await withPool(config, async (pool) => {
        // A payload Redis lost is re-derived from PostgreSQL by the job id.
        const version = qcContextOf(await new ContextStore(pool).active()).version;
        return withQcQueue(config, (q) =>
          retryFailedIn(q, opts.all ? 'all' : (id as string), (jobId) =>
            rebuildPayload(pool, jobId, version),
          ),
        );
      });
      console.log(`requeued ${out.requeued} job(s)`);
      if (out.rebuilt) console.log(`rebuilt ${out.rebuilt} lost payload(s) from PostgreSQL`);
      if (out.removed)
        console.log(
          `removed ${out.removed} job(s) whose payload was lost and whose ticket no longer waits (the reconciler schedules any that still do)`,
        );
    });
}
