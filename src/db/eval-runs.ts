import { type AgentEvent, insertEvents } from './events.js';
import { type Pool, withTransaction } from './pool.js';

/** eval_runs and eval_items: every run is kept, comparable by model and context version. */

/** The columns of an eval item (eval/metrics.ts `EvalItem` is one). */
export interface EvalItemRecord {
  line: number;
  externalId: string;
  gold: { outcome: string };
  outcome?: string;
  score?: number;
  model?: string;
  criteria: Record<string, string>;
  escalations?: string[];
  costUsd: number;
  latencyMs: number;
  error?: string;
}

/** The columns of an eval run's summary (eval/metrics.ts `EvalSummary` is one). */
export interface EvalSummaryRecord {
  items: number;
  errors: number;
  accuracy: number;
  kappa: number | null;
  criteriaKappa: number | null;
  perCriterion: unknown;
  confusion: unknown;
  byRule?: unknown;
  autoFail?: unknown;
  costUsd: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  tierUps: number;
}

export interface RunMeta {
  dataset: string;
  datasetSha256: string;
  model: string;
  strongModel: string;
  contextVersion: string;
  fileVersions: Record<string, number>;
  startedAt: Date;
}

export async function saveRun(
  pool: Pool,
  run: RunMeta & { summary: EvalSummaryRecord; items: readonly EvalItemRecord[] },
  /** The run's model calls, stored in the same transaction (they need its id). */
  eventsOf: (runId: number) => AgentEvent[] = () => [],
): Promise<number> {
  const s = run.summary;
  return withTransaction(pool, async (db) => {
    const r = await db.query<{ id: number }>(
      `INSERT INTO eval_runs (started_at, finished_at, dataset, dataset_sha256, model, strong_model,
         context_version, file_versions, items, errors, accuracy, kappa, criteria_kappa,
         per_criterion, confusion, cost_usd, latency_p50_ms, latency_p95_ms, tier_ups, by_rule,
         auto_fail)
       VALUES ($1, now(), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
               $19, $20)
       RETURNING id`,
      [
        run.startedAt,
        run.dataset,
        run.datasetSha256,
        run.model,
        run.strongModel,
        run.contextVersion,
        JSON.stringify(run.fileVersions),
        s.items,
        s.errors,
        s.accuracy,
        s.kappa,
        s.criteriaKappa,
        JSON.stringify(s.perCriterion),
        JSON.stringify(s.confusion),
        s.costUsd.toFixed(8),
        s.latencyP50Ms,
        s.latencyP95Ms,
        s.tierUps,
        JSON.stringify(s.byRule ?? {}),
        JSON.stringify(s.autoFail ?? {}),
      ],
    );
    const id = r.rows[0]?.id;
    if (id === undefined) throw new Error('insert into eval_runs returned no id');
    for (let i = 0; i < run.items.length; i += 500) {
      const chunk = run.items.slice(i, i + 500);
      const values: unknown[] = [];
      const rows = chunk.map((it, k) => {
        const b = k * 12;
        values.push(
          id,
          it.line,
          it.externalId,
          it.gold.outcome,
          it.outcome ?? null,
          it.score ?? null,
          it.model ?? null,
          JSON.stringify(it.criteria),
          it.costUsd.toFixed(8),
          it.latencyMs,
          it.error ?? null,
          JSON.stringify(it.escalations ?? []),
        );
        return `(${Array.from({ length: 12 }, (_, j) => `$${b + j + 1}`).join(', ')})`;
      });
      await db.query(
        `INSERT INTO eval_items (run_id, line, external_id, gold_outcome, outcome, score, model,
           criteria, cost_usd, latency_ms, error, escalations) VALUES ${rows.join(', ')}`,
        values,
      );
    }
    // One statement per few hundred calls keeps the parameter count under PostgreSQL's limit.
    const events = eventsOf(id);
    for (let i = 0; i < events.length; i += 500) await insertEvents(db, events.slice(i, i + 500));
    return id;
  });
}

export interface RunRow {
  id: number;
  startedAt: Date;
  dataset: string;
  model: string;
  contextVersion: string;
  items: number;
  errors: number;
  accuracy: string | null;
  kappa: string | null;
  criteriaKappa: string | null;
  costUsd: string;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export async function listRuns(
  pool: Pool,
  opts: { model?: string; limit?: number } = {},
): Promise<RunRow[]> {
  const r = await pool.query<RunRow>(
    `SELECT id, started_at AS "startedAt", dataset, model, context_version AS "contextVersion",
       items, errors, accuracy, kappa, criteria_kappa AS "criteriaKappa", cost_usd AS "costUsd",
       latency_p50_ms AS "latencyP50Ms", latency_p95_ms AS "latencyP95Ms"
     FROM eval_runs WHERE ($1::text IS NULL OR model = $1)
     ORDER BY started_at DESC, id DESC LIMIT $2`,
    [opts.model ?? null, opts.limit ?? 20],
  );
  return r.rows;
}

export interface RunHead {
  id: number;
  dataset: string;
  datasetSha256: string;
  model: string;
  contextVersion: string;
  accuracy: string | null;
  byRule: Record<string, unknown>;
}

/** One run and its items, for `eval compare`. */
export async function runWithItems(
  pool: Pool,
  id: number,
): Promise<
  | {
      run: RunHead;
      items: {
        externalId: string;
        goldOutcome: string;
        outcome: string | null;
        escalations: string[];
      }[];
    }
  | undefined
> {
  const r = await pool.query<RunHead>(
    `SELECT id, dataset, dataset_sha256 AS "datasetSha256", model, context_version AS "contextVersion",
       accuracy, by_rule AS "byRule" FROM eval_runs WHERE id = $1`,
    [id],
  );
  const run = r.rows[0];
  if (!run) return undefined;
  const items = await pool.query<{
    externalId: string;
    goldOutcome: string;
    outcome: string | null;
    escalations: string[];
  }>(
    `SELECT external_id AS "externalId", gold_outcome AS "goldOutcome", outcome, escalations
     FROM eval_items WHERE run_id = $1 ORDER BY line`,
    [id],
  );
  return { run, items: items.rows };
}
