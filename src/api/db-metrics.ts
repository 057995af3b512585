import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import { gradesSince, llmCallTotals, watermarks } from '../db/fleet-metrics.js';
import type { Pool } from '../db/pool.js';
import { toError } from '../logger.js';

/**
 * Model usage and grading duration, read from PostgreSQL at scrape time:
 * workers write every model call to agent_events and every grade to
 * qc_results, so the API can report the whole fleet without the workers
 * exposing an endpoint of their own.
 *
 * They are real Prometheus counters: they start at zero when this process
 * starts and each scrape adds the rows written since the last one (by id, so
 * a scrape costs one indexed range query, not a scan of tens of millions of
 * rows). Every API replica reports the same fleet-wide totals: aggregate with
 * max(), not sum(). A row committed out of id order during a scrape can be
 * missed; the counts are for dashboards, the tables are the ledger.
 */

const MAX_RESULTS_PER_SCRAPE = 20_000;

export function registerDbMetrics(registry: Registry, pool: Pool, logger: Logger): void {
  const registers = [registry];
  const tokens = new Counter({
    name: 'ticketqc_llm_tokens_total',
    help: 'Model tokens by model, tier and type (input, output, cache_creation, cache_read), from agent_events',
    labelNames: ['model', 'tier', 'type'],
    registers,
    collect: () => fresh(),
  });
  const cost = new Counter({
    name: 'ticketqc_llm_cost_usd_total',
    help: 'Model spend in USD by model and tier, from agent_events',
    labelNames: ['model', 'tier'],
    registers,
    collect: () => fresh(),
  });
  const calls = new Counter({
    name: 'ticketqc_llm_calls_total',
    help: 'Model calls by model, tier and purpose, from agent_events',
    labelNames: ['model', 'tier', 'purpose'],
    registers,
    collect: () => fresh(),
  });
  const grading = new Histogram({
    name: 'ticketqc_grading_duration_seconds',
    help: 'Time to grade one ticket version (all model calls), by the model and tier whose verdict stood, from qc_results',
    labelNames: ['model', 'tier'],
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
    registers,
    collect: () => fresh(),
  });
  const grades = new Counter({
    name: 'ticketqc_grades_total',
    help: 'Grades written, by outcome and tier, from qc_results',
    labelNames: ['outcome', 'tier'],
    registers,
    collect: () => fresh(),
  });

  let eventsMark: number | undefined;
  let resultsMark: number | undefined;
  let running: Promise<void> | undefined;
  let doneAt = 0;
  const label = (v: string | null) => v || 'unknown';

  async function refresh(): Promise<void> {
    const { events: e, results: r } = await watermarks(pool);
    if (eventsMark === undefined || resultsMark === undefined) {
      eventsMark = e;
      resultsMark = r;
      return;
    }
    if (e > eventsMark) {
      for (const x of await llmCallTotals(pool, eventsMark, e)) {
        const m = { model: label(x.model), tier: label(x.tier) };
        calls.inc({ ...m, purpose: label(x.purpose) }, Number(x.n));
        for (const type of ['input', 'output', 'cache_creation', 'cache_read'] as const) {
          const n = Number(x[type]);
          if (n > 0) tokens.inc({ ...m, type }, n);
        }
        if (x.usd > 0) cost.inc(m, x.usd);
      }
      eventsMark = e;
    }
    if (r > resultsMark) {
      const rows = await gradesSince(pool, resultsMark, r, MAX_RESULTS_PER_SCRAPE);
      for (const x of rows) {
        grading.observe({ model: label(x.model), tier: label(x.tier) }, x.latency_ms / 1000);
        grades.inc({ outcome: x.outcome, tier: label(x.tier) });
      }
      resultsMark = rows.length === MAX_RESULTS_PER_SCRAPE ? (rows.at(-1)?.id ?? r) : r;
    }
  }

  /** One refresh per scrape, shared by the metrics that prom-client collects concurrently. */
  function fresh(): Promise<void> {
    if (Date.now() - doneAt < 1_000) return Promise.resolve();
    running ??= refresh()
      .catch((err) =>
        logger.warn(
          { err: toError(err).message },
          'metrics from PostgreSQL unavailable for this scrape',
        ),
      )
      .finally(() => {
        running = undefined;
        doneAt = Date.now();
      });
    return running;
  }

  // Start the watermarks now, so the first scrape already counts what happened since start.
  void fresh();
}
