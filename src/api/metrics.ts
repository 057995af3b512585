import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Pool } from '../db/pool.js';
import { toError } from '../logger.js';
import type { ReconcilePass } from '../qc/reconcile.js';
import { fleetState } from '../queue/fleet.js';
import { withTimeout } from '../queue/schedule.js';
import { registerDbMetrics } from './db-metrics.js';
import { registerThreadMetrics } from './thread-sweep.js';

/**
 * The API's Prometheus metrics, on a registry of its own (no global state, so
 * several apps can live in one test process). Ingest counters are counted
 * here; queue depth is read from Redis at scrape time; model usage and
 * grading duration are read from PostgreSQL (see db-metrics.ts).
 */

export interface IngestMetrics {
  registry: Registry;
  received: Counter<'source'>;
  rejected: Counter<'source' | 'reason'>;
  accepted: Counter<'source' | 'grading'>;
  duration: Histogram<'source' | 'status'>;
  enqueued: Counter<'via'>;
  enqueueDeferred: Counter;
  /** Rows per group the intake writer commits in one transaction (queue/intake-writer.ts). */
  intakeGroupRows: Histogram;
  /** Webhooks waiting for the intake writer's next group. */
  intakePending: Gauge;
  events: Counter<'agent' | 'kind'>;
  /** 1 when Redis's maxmemory-policy may evict keys (set at start and by /readyz). */
  redisEvictionUnsafe: Gauge;
  /** Records one reconciler pass (src/qc/reconcile.ts `onPass`). */
  reconcilePass(pass: ReconcilePass): void;
}

/** What a reconciler pass did with each waiting version, as counted in ReconcileStats. */
const RECONCILE_OUTCOMES = ['enqueued', 'busy', 'unscheduled', 'revived', 'orphans'] as const;

export function createMetrics(opts: {
  pool?: Pool;
  queue?: Queue | undefined;
  logger: Logger;
  defaults?: boolean;
}): IngestMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (opts.defaults !== false)
    collectDefaultMetrics({ register: registry, prefix: 'ticketqc_api_' });
  const enqueued = new Counter({
    name: 'ticketqc_tickets_enqueued_total',
    help: 'Ticket versions put on the qc queue, by who put them there',
    labelNames: ['via'],
    registers,
  });
  const metrics: IngestMetrics = {
    registry,
    received: new Counter({
      name: 'ticketqc_webhooks_received_total',
      help: 'Webhook deliveries received, by source',
      labelNames: ['source'],
      registers,
    }),
    rejected: new Counter({
      name: 'ticketqc_webhooks_rejected_total',
      help: 'Webhook deliveries refused, by source and reason (the error code)',
      labelNames: ['source', 'reason'],
      registers,
    }),
    accepted: new Counter({
      name: 'ticketqc_webhooks_accepted_total',
      help: 'Webhook deliveries acknowledged with 202, by source and what happened about grading',
      labelNames: ['source', 'grading'],
      registers,
    }),
    duration: new Histogram({
      name: 'ticketqc_webhook_duration_seconds',
      help: 'Time to answer a webhook delivery',
      labelNames: ['source', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    enqueued,
    enqueueDeferred: new Counter({
      name: 'ticketqc_enqueue_deferred_total',
      help: 'Stored ticket versions whose enqueue failed (Redis down); the reconciler queues them later',
      registers,
    }),
    intakeGroupRows: new Histogram({
      name: 'ticketqc_intake_group_rows',
      help: 'Webhook deliveries written per transaction by the intake writer',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200],
      registers,
    }),
    intakePending: new Gauge({
      name: 'ticketqc_intake_pending',
      help: "Webhook deliveries waiting for the intake writer's next group",
      registers,
    }),
    events: new Counter({
      name: 'ticketqc_agent_events_received_total',
      help: 'Events written through POST /events, by agent and kind',
      labelNames: ['agent', 'kind'],
      registers,
    }),
    redisEvictionUnsafe: new Gauge({
      name: 'ticketqc_redis_eviction_unsafe',
      help: 'Redis maxmemory-policy may evict keys (1) or is noeviction (0); queued jobs can lose their payload when 1',
      registers,
    }),
    reconcilePass: reconcileMetrics(registers, enqueued),
  };
  const queue = opts.queue;
  if (queue) {
    const logger = opts.logger;
    new Gauge({
      name: 'ticketqc_queue_jobs',
      help: 'Jobs on the qc queue by state, read from Redis at scrape time',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        try {
          const counts = await withTimeout(
            queue.getJobCounts(
              'waiting',
              'delayed',
              'active',
              'prioritized',
              'failed',
              'completed',
            ),
            1_000,
            'queue counts',
          );
          for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
        } catch (err) {
          // Redis down: the gauge is absent for this scrape rather than wrong.
          logger.debug({ err: toError(err).message }, 'queue depth unavailable');
        }
      },
    });
  }
  if (queue) {
    // Issue 16: is anyone grading? Workers connected and the oldest waiting job's age.
    const logger = opts.logger;
    const fleet = () => withTimeout(fleetState(queue), 1_000, 'queue fleet');
    new Gauge({
      name: 'ticketqc_queue_workers',
      help: 'Workers connected to the qc queue (CLIENT LIST), read at scrape time',
      registers,
      async collect() {
        this.reset();
        try {
          this.set((await fleet()).workers);
        } catch (err) {
          logger.debug({ err: toError(err).message }, 'queue workers unavailable');
        }
      },
    });
    new Gauge({
      name: 'ticketqc_queue_oldest_waiting_seconds',
      help: 'How long the oldest waiting qc job has waited (0 when none waits)',
      registers,
      async collect() {
        this.reset();
        try {
          this.set(((await fleet()).oldestWaitingMs ?? 0) / 1000);
        } catch (err) {
          logger.debug({ err: toError(err).message }, 'oldest waiting job unavailable');
        }
      },
    });
  }
  if (opts.pool) {
    registerDbMetrics(registry, opts.pool, opts.logger);
    registerThreadMetrics(registry, opts.pool, opts.logger);
  }
  return metrics;
}

/**
 * The reconciler's passes: how long each took and whether it failed, how many
 * versions of the realtime lane were waiting to be graded at the last one,
 * what it did with them, and when a pass last succeeded (alert when that
 * falls behind QC_RECONCILE_INTERVAL: nothing queues what Redis missed).
 */
function reconcileMetrics(
  registers: Registry[],
  enqueued: Counter<'via'>,
): (pass: ReconcilePass) => void {
  const passes = new Counter({
    name: 'ticketqc_reconcile_passes_total',
    help: 'Reconciler passes, by result (ok, failed: Redis or PostgreSQL unavailable)',
    labelNames: ['result'],
    registers,
  });
  const seconds = new Histogram({
    name: 'ticketqc_reconcile_pass_seconds',
    help: 'Time a reconciler pass took',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers,
  });
  const waiting = new Gauge({
    name: 'ticketqc_reconcile_waiting_versions',
    help: 'Ticket versions of the realtime lane waiting to be graded, as the last reconciler pass found them',
    registers,
  });
  const versions = new Counter({
    name: 'ticketqc_reconcile_versions_total',
    help: 'What reconciler passes did with waiting versions: enqueued, busy (ingest held the ticket), unscheduled (refused by Redis), revived (dead job removed), orphans (job hash in no list removed)',
    labelNames: ['outcome'],
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'ticketqc_reconcile_last_success_timestamp_seconds',
    help: 'When a reconciler pass last succeeded (Unix time)',
    registers,
  });
  for (const result of ['ok', 'failed']) passes.inc({ result }, 0);
  for (const outcome of RECONCILE_OUTCOMES) versions.inc({ outcome }, 0);
  return ({ stats, error, seconds: took }) => {
    passes.inc({ result: error ? 'failed' : 'ok' });
    seconds.observe(took);
    if (stats) {
      waiting.set(stats.candidates);
      for (const outcome of RECONCILE_OUTCOMES) {
        const n = stats[outcome];
        if (n) versions.inc({ outcome }, n);
      }
      if (stats.enqueued) enqueued.inc({ via: 'reconciler' }, stats.enqueued);
    }
    if (!error) lastSuccess.set(Date.now() / 1000);
  };
}
