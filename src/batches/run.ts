import { setTimeout as sleep } from 'node:timers/promises';
import {
  closeStaleRuns,
  getRun,
  insertRun,
  liveChunkCount,
  type RunRow,
  resumableRun,
} from '../db/batches.js';
import { LOCKS, withAdvisoryLock } from '../db/locks.js';
import type { Selection } from '../db/selection.js';
import { qcContextOf } from '../qc/context.js';
import { activeFileVersions, contextOfRun } from './context.js';
import type { BatchDeps } from './deps.js';
import { type Estimate, estimateCost } from './estimate.js';
import { planRun, selectionOf } from './plan.js';
import { type TickReport, tick } from './tick.js';
import { enqueueSelection } from './via-queue.js';

export interface RunOptions {
  via: 'batches' | 'queue';
  trigger: 'cli' | 'schedule';
  since?: Date | undefined;
  until?: Date | undefined;
  limit?: number | undefined;
  dryRun?: boolean;
  /** Keep polling until this run's batches are collected (CLI `--wait`). */
  wait?: boolean;
  pollMs?: number;
  signal?: AbortSignal;
}

export interface RunReport {
  /** Another process holds the batch lock: nothing was done. */
  busy?: boolean;
  run?: RunRow;
  resumed?: boolean;
  mapped?: number;
  enqueued?: number;
  estimate?: Estimate;
  ticks: TickReport[];
}

function liveChunks(deps: BatchDeps, runId: number): Promise<number> {
  return liveChunkCount(deps.pool, runId);
}

/**
 * `batch run` and the nightly job. With --via batches: resume an interrupted
 * run (with its own options) or start one, store its chunks and mappings,
 * then one pass (submit, poll, collect). The batch poller finishes the work;
 * `wait` does it in this process instead.
 */
export async function runBatch(deps: BatchDeps, opts: RunOptions): Promise<RunReport> {
  const ctx = qcContextOf(await deps.contexts.active());
  const fresh = {
    via: opts.via,
    trigger: opts.trigger,
    contextVersion: ctx.version,
    model: deps.settings.baseModel,
    since: opts.since,
    until: opts.until,
    maxTickets: opts.limit,
  };
  if (opts.dryRun) {
    const selection: Selection = {
      contextVersion: ctx.version,
      statuses: deps.limits.statuses,
      since: opts.since,
      until: opts.until,
    };
    return { estimate: await estimateCost(deps.pool, deps, ctx, selection, opts.limit), ticks: [] };
  }
  if (opts.via === 'queue') {
    const run = await insertRun(deps.pool, {
      ...fresh,
      contextFiles: await activeFileVersions(deps.pool),
    });
    const enqueued = await enqueueSelection(deps, run, selectionOf(run, deps));
    return { run, enqueued, ticks: [] };
  }

  const first = await withAdvisoryLock(
    deps.pool,
    LOCKS.batch,
    async () => {
      await closeStaleRuns(deps.pool, ctx.version);
      const resumable = await resumableRun(deps.pool, ctx.version);
      const run =
        resumable ??
        (await insertRun(deps.pool, {
          ...fresh,
          contextFiles: await activeFileVersions(deps.pool),
        }));
      if (resumable)
        deps.logger.info(
          { runId: run.id },
          'resuming an interrupted batch run with its own options',
        );
      const mapped = run.planned_at
        ? run.selected
        : await planRun(deps, run, await contextOfRun(deps.pool, run));
      const ticks = [await tick(deps)];
      return {
        run: (await getRun(deps.pool, run.id)) ?? run,
        resumed: Boolean(resumable),
        mapped,
        ticks,
      } satisfies RunReport;
    },
    { mode: 'try' },
  );
  if (!first) return { busy: true, ticks: [] };

  const pollMs = opts.pollMs ?? 30_000;
  while (opts.wait && !opts.signal?.aborted && (await liveChunks(deps, first.run.id)) > 0) {
    await sleep(pollMs, undefined, opts.signal ? { signal: opts.signal } : {}).catch(
      () => undefined,
    );
    const t = await withAdvisoryLock(deps.pool, LOCKS.batch, () => tick(deps), { mode: 'try' });
    if (t) first.ticks.push(t);
  }
  return first;
}

/** The poller: one pass, unless another process is already making one. */
export async function pollBatches(deps: BatchDeps): Promise<TickReport | undefined> {
  return withAdvisoryLock(deps.pool, LOCKS.batch, () => tick(deps), { mode: 'try' });
}
