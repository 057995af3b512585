import type { Queryable } from './pool.js';

/** What `batch status` shows: runs, chunks in flight, request states and their cost. */

export interface RunStatus {
  id: number;
  via: string;
  trigger: string;
  createdAt: Date;
  finishedAt: Date | null;
  selected: number;
  chunks: Record<string, number>;
  requests: Record<string, number>;
  /** Every model call made for this run's results (batch replies, tier-ups, shadows). */
  costUsd: number;
  /** The batch-priced part of it. */
  batchCostUsd: number;
}

export interface InFlight {
  chunkId: number;
  runId: number;
  status: string;
  batchId: string | null;
  requests: number;
  counts: Record<string, number> | null;
  since: Date | null;
}

export interface BatchStatus {
  runs: RunStatus[];
  inFlight: InFlight[];
  requests: Record<string, number>;
  cost: { batchUsd: number; otherUsd: number; realtimeEquivalentUsd: number };
}

const toMap = (rows: { k: string; n: number }[]) => Object.fromEntries(rows.map((r) => [r.k, r.n]));

/** Costs joined through the custom_id, which batch grades record as their job id. */
const COSTS = `
  SELECT c.run_id, sum(e.cost_usd)::float AS total,
         coalesce(sum(e.cost_usd) FILTER (
           WHERE e.purpose = 'batch' OR e.details->>'batch' = 'true'), 0)::float AS batch
  FROM batch_requests q JOIN batch_chunks c ON c.id = q.chunk_id
  JOIN agent_events e ON e.ticket_id = q.ticket_id AND e.job_id = q.custom_id AND e.kind = 'llm_call'`;

export async function batchStatus(db: Queryable, lastRuns = 10): Promise<BatchStatus> {
  const runs = await db.query<{
    id: number;
    via: string;
    trigger: string;
    created_at: Date;
    finished_at: Date | null;
    selected: number;
  }>(
    'SELECT id, via, trigger, created_at, finished_at, selected FROM batch_runs ORDER BY id DESC LIMIT $1',
    [lastRuns],
  );
  const ids = runs.rows.map((r) => r.id);
  const chunks = await db.query<{ run_id: number; k: string; n: number }>(
    `SELECT run_id, status AS k, count(*)::int AS n FROM batch_chunks WHERE run_id = ANY($1::bigint[])
     GROUP BY run_id, status`,
    [ids],
  );
  const requests = await db.query<{ run_id: number; k: string; n: number }>(
    `SELECT c.run_id, q.state AS k, count(*)::int AS n FROM batch_requests q
     JOIN batch_chunks c ON c.id = q.chunk_id WHERE c.run_id = ANY($1::bigint[]) GROUP BY c.run_id, q.state`,
    [ids],
  );
  const costs = await db.query<{ run_id: number; total: number; batch: number }>(
    `${COSTS} WHERE c.run_id = ANY($1::bigint[]) GROUP BY c.run_id`,
    [ids],
  );
  const of = <T extends { run_id: number }>(rows: T[], id: number) =>
    rows.filter((r) => r.run_id === id);

  const inFlight = await db.query<{
    id: number;
    run_id: number;
    status: string;
    anthropic_batch_id: string | null;
    request_count: number;
    request_counts: Record<string, number> | null;
    submitted_at: Date | null;
  }>(
    `SELECT id, run_id, status, anthropic_batch_id, request_count, request_counts, submitted_at
     FROM batch_chunks WHERE status IN ('prepared', 'submitting', 'in_progress', 'ended') ORDER BY id`,
  );
  const allRequests = await db.query<{ k: string; n: number }>(
    'SELECT state AS k, count(*)::int AS n FROM batch_requests GROUP BY state ORDER BY state',
  );
  const total = await db.query<{ total: number | null; batch: number | null }>(
    `SELECT sum(x.total)::float AS total, sum(x.batch)::float AS batch FROM (${COSTS} GROUP BY c.run_id) x`,
  );
  const batchUsd = total.rows[0]?.batch ?? 0;
  const otherUsd = (total.rows[0]?.total ?? 0) - batchUsd;
  return {
    runs: runs.rows.map((r) => {
      const c = of(costs.rows, r.id)[0];
      return {
        id: r.id,
        via: r.via,
        trigger: r.trigger,
        createdAt: r.created_at,
        finishedAt: r.finished_at,
        selected: r.selected,
        chunks: toMap(of(chunks.rows, r.id)),
        requests: toMap(of(requests.rows, r.id)),
        costUsd: c?.total ?? 0,
        batchCostUsd: c?.batch ?? 0,
      };
    }),
    inFlight: inFlight.rows.map((c) => ({
      chunkId: c.id,
      runId: c.run_id,
      status: c.status,
      batchId: c.anthropic_batch_id,
      requests: c.request_count,
      counts: c.request_counts,
      since: c.submitted_at,
    })),
    requests: toMap(allRequests.rows),
    // The batch-priced calls would have cost twice as much in realtime (batchDiscount 0.5).
    cost: { batchUsd, otherUsd, realtimeEquivalentUsd: batchUsd * 2 + otherUsd },
  };
}
