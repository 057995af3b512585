import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { batchedWake, type Listener, listen } from '../db/listen.js';
import { claimTriageRequests, setTriageRequest, setTriageRequests } from '../db/triage.js';
import { toError } from '../logger.js';
import { QC_QUEUE, TRIAGE_QUEUE, TriageJobData, triageJobId } from '../queue/jobs.js';
import type { Runtime } from '../runtime.js';
import { InvalidTriageError } from './check.js';
import { triageContextOf } from './context.js';
import { type TriageRunDeps, triageTicket } from './run.js';

/**
 * The triage agent, live: a relay turns each new help desk ticket (a row the
 * database adds on a ticket's first version) into a `triage` job; the worker
 * runs the intake check. Tickets created longer ago than TRIAGE_MAX_AGE are
 * history (an import, a late webhook): skipped, never triaged.
 */

export interface TriageLoops {
  /** One relay pass now; resolves with the jobs queued. */
  pass(): Promise<number>;
  close(): Promise<void>;
}

export async function startTriage(
  rt: Runtime,
  opts: {
    connection: Redis | Cluster;
    producer: Redis | Cluster;
    prefix: string;
    concurrency?: number;
  },
): Promise<TriageLoops> {
  const c = rt.config;
  const deps: TriageRunDeps = {
    pool: rt.pool,
    contexts: rt.contexts,
    logger: rt.logger,
    llm: rt.llm,
    model: c.QC_MODEL,
    maxTokens: 1024,
  };
  const ctx = triageContextOf(await rt.contexts.active());
  const minCache = rt.prices.get(c.QC_MODEL).minCacheTokens;
  if (ctx.prefixTokens < minCache * 1.1)
    rt.logger.warn(
      { model: c.QC_MODEL, estimatedPrefixTokens: ctx.prefixTokens, minCacheTokens: minCache },
      `the triage context (~${ctx.prefixTokens} tokens) is below ${c.QC_MODEL}'s minimum cacheable prefix: ` +
        'its cache_control breakpoint will not cache and each triage call pays full input price',
    );
  const queue = new Queue(TRIAGE_QUEUE, { connection: opts.producer, prefix: opts.prefix });
  // A budget stop (or a person) pauses the qc queue: triage spends from the same budget, so it waits too.
  const qc = new Queue(QC_QUEUE, { connection: opts.producer, prefix: opts.prefix });
  qc.on('error', () => undefined);
  queue.on('error', () => undefined);
  const worker = new Worker(
    TRIAGE_QUEUE,
    async (job: Job, _token?: string, signal?: AbortSignal) => {
      const data = TriageJobData.parse(job.data);
      const key = { source: data.source, externalId: data.externalId };
      try {
        const r = await triageTicket(deps, key, {
          ...(job.id ? { jobId: job.id } : {}),
          ...(signal ? { signal } : {}),
        });
        await setTriageRequest(
          rt.pool,
          key,
          r.status === 'gone' ? 'skipped' : 'done',
          r.status === 'gone' ? 'ticket gone' : undefined,
        );
        return r.status === 'gone' ? r : { status: r.status, missing: r.missing };
      } catch (err) {
        const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        if (err instanceof InvalidTriageError || last)
          await setTriageRequest(rt.pool, key, 'failed', toError(err).message.slice(0, 500));
        if (err instanceof InvalidTriageError) throw new UnrecoverableError(err.message);
        throw err;
      }
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency ?? 2,
      autorun: true,
    },
  );
  worker.on('error', (err) =>
    rt.logger.error({ err: toError(err).message }, 'triage worker error'),
  );

  let running: Promise<number> | undefined;
  const once = async () => {
    let queued = 0;
    if (await qc.isPaused()) return 0;
    for (;;) {
      const rows = await claimTriageRequests(rt.pool, 100);
      // Issue 13: a pass's rows are settled in one statement and queued in one round trip.
      if (!c.TRIAGE_ENABLED) {
        await setTriageRequests(rt.pool, rows, 'skipped', 'TRIAGE_ENABLED is off');
        if (rows.length < 100) return queued;
        continue;
      }
      const now = Date.now();
      const fresh: typeof rows = [];
      const history: typeof rows = [];
      for (const r of rows) {
        // Read with the claim (issue 13): not a statement of its own.
        const t = r.ticketCreatedAt;
        (t !== undefined && now - t <= c.TRIAGE_MAX_AGE ? fresh : history).push(r);
      }
      await setTriageRequests(
        rt.pool,
        history,
        'skipped',
        'created before TRIAGE_MAX_AGE: history',
      );
      await queue.addBulk(
        fresh.map((r) => ({
          name: 'triage',
          data: { source: r.source, externalId: r.externalId, ticketId: r.ticketId },
          opts: {
            jobId: triageJobId(r.ticketId),
            attempts: c.QC_JOB_ATTEMPTS,
            backoff: { type: 'exponential' as const, delay: 5_000 },
            removeOnComplete: { age: 3_600, count: 1_000 },
            removeOnFail: { age: 7 * 86_400 },
          },
        })),
      );
      queued += fresh.length;
      if (rows.length < 100) return queued;
    }
  };
  const pass = (): Promise<number> => {
    running ??= once()
      .catch((err: unknown) => {
        rt.logger.warn({ err: toError(err).message }, 'triage relay pass failed (will retry)');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  // Issue 13: the requests of the commits of the last 200 ms go in one pass.
  const woken = batchedWake(() => void pass(), 200);
  const listener: Listener | undefined = await listen(rt.pool, 'triage_requests', () =>
    woken.wake(),
  ).catch(() => undefined);
  const timer = setInterval(() => void pass(), c.TRIAGE_POLL_INTERVAL);
  timer.unref();
  void pass();
  return {
    pass,
    async close() {
      clearInterval(timer);
      woken.cancel();
      await listener?.close();
      await running;
      await worker.close();
      await queue.close();
      await qc.close();
    },
  };
}
