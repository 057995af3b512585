import { insertEvents, type LlmCall, llmCallEvent } from './events.js';
import { type Pool, type Queryable, withTransaction } from './pool.js';

/**
 * `llm_attempts` (migration 013): one row per paid model call, written before
 * the request leaves and completed when it returns, so a call in flight on a
 * process that dies is still recorded (src/llm/attempts.ts writes them; the
 * llm_call event that records a call claims its attempt in the same
 * transaction; the reconciler records orphans).
 */

export interface AttemptStart {
  owner: string;
  agent: string;
  model: string;
  purpose: string;
  tier: string;
  ticketId?: number | undefined;
  jobId?: string | undefined;
  contextVersion?: string | undefined;
  estInputTokens: number;
  maxOutputTokens: number;
  estCostUsd: number;
}

/** An answer held back to be written with the next statement of its job (issue 13). */
export interface HeldAnswer {
  id: number;
  call: LlmCall;
}

/** One attempt row to insert, with the answers its job held until then (issue 13). */
export interface AttemptBegin {
  start: AttemptStart;
  /**
   * Earlier attempts of the same job whose answers arrived: completed in the
   * same statement (one round trip where a tier-up took two).
   */
  answered: readonly HeldAnswer[];
}

/** Inserts an attempt row, completing `answered` in the same statement. */
export async function beginAttempt(
  db: Queryable,
  a: AttemptStart,
  answered: readonly HeldAnswer[] = [],
): Promise<number> {
  const [id] = await beginAttempts(db, [{ start: a, answered }]);
  return id as number;
}

/**
 * The CTEs that insert attempt rows and complete held answers, for a
 * statement of their own (`beginAttempts`) or inside another one (the QC
 * prepare statement, src/db/grade-write.ts): `rows` and `held` name the
 * statement's parameters given `attemptRowsParams`. `att_ids (k, id)` gives
 * each input's row id, drawn from the table's sequence against the input's
 * place before the row is inserted with it; `att_new (id)` holds the rows
 * inserted. The CTE names start with `att_`.
 */
export function attemptRowsCtes(rows: string, held: string): string {
  return `att_in AS (
       SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS g(k int, owner text, agent text, model text,
              purpose text, tier text, tid bigint, job text, cv text, est_in int, max_out int, est_cost numeric)
     ), att_done AS (
       UPDATE llm_attempts a SET state = 'answered', answered_at = now(), call = h.call
         FROM jsonb_to_recordset(${held}::jsonb) AS h(id bigint, call jsonb)
        WHERE a.id = h.id AND a.state = 'open'
     ), att_ids AS (
       SELECT g.k, nextval(pg_get_serial_sequence('llm_attempts', 'id')) AS id FROM att_in g
     ), att_new AS (
       INSERT INTO llm_attempts (id, owner, agent, model, purpose, tier, ticket_id, job_id, context_version,
                                 est_input_tokens, max_output_tokens, est_cost_usd)
       SELECT ids.id, g.owner, g.agent, g.model, g.purpose, g.tier, g.tid, g.job, g.cv, g.est_in, g.max_out,
              g.est_cost
         FROM att_in g JOIN att_ids ids ON ids.k = g.k
       RETURNING id
     )`;
}

/** The two parameters of `attemptRowsCtes`: the rows (each with its index `k`) and every held answer. */
export function attemptRowsParams(inputs: readonly AttemptBegin[]): [string, string] {
  return [
    JSON.stringify(
      inputs.map(({ start: a }, k) => ({
        k,
        owner: a.owner,
        agent: a.agent,
        model: a.model,
        purpose: a.purpose,
        tier: a.tier,
        tid: a.ticketId ?? null,
        job: a.jobId ?? null,
        cv: a.contextVersion ?? null,
        est_in: a.estInputTokens,
        max_out: a.maxOutputTokens,
        est_cost: a.estCostUsd.toFixed(8),
      })),
    ),
    JSON.stringify(inputs.flatMap((i) => i.answered)),
  ];
}

/** Each input's row id from `(k, id)` rows, checked: every input has its row. */
export function attemptIdsOf(
  inputs: readonly unknown[],
  rows: readonly { k: number; id: number }[],
): number[] {
  const out: (number | undefined)[] = inputs.map(() => undefined);
  for (const row of rows) out[row.k] = row.id;
  const ids = out.filter((id) => id !== undefined);
  if (ids.length !== inputs.length)
    throw new Error(`an attempt statement inserted ${ids.length} of ${inputs.length} rows`);
  return ids;
}

/**
 * Inserts the attempt rows of many callers in one statement (the QC lane
 * groups the tier-ups of the jobs running at once: src/qc/statements.ts), and
 * completes every held answer they bring. One statement, so atomic: when it
 * returns, every row is committed, and when it fails none is. Each row's id
 * is at its input's index.
 */
export async function beginAttempts(
  db: Queryable,
  inputs: readonly AttemptBegin[],
): Promise<number[]> {
  if (inputs.length === 0) return [];
  const r = await db.query<{ k: number; id: number }>({
    name: 'llm-attempt-begin',
    text: `WITH ${attemptRowsCtes('$1', '$2')}
     SELECT ids.k, ids.id FROM att_ids ids JOIN att_new n ON n.id = ids.id`,
    values: attemptRowsParams(inputs),
  });
  return attemptIdsOf(inputs, r.rows);
}

/** The answer arrived: its measured usage and cost replace the estimate. */
export async function answerAttempt(db: Queryable, id: number, call: LlmCall): Promise<void> {
  await db.query({
    name: 'llm-attempt-answered',
    text: `UPDATE llm_attempts SET state = 'answered', answered_at = now(), call = $2
            WHERE id = $1 AND state = 'open'`,
    values: [id, JSON.stringify(call)],
  });
}

/** The API answered with an error status: nothing was billed. */
export async function failAttempt(db: Queryable, id: number): Promise<void> {
  await db.query(`UPDATE llm_attempts SET state = 'failed' WHERE id = $1 AND state = 'open'`, [id]);
}

export interface OrphanStats {
  /** Orphans whose answer had arrived: recorded at their measured cost. */
  answered: number;
  /** Orphans with no answer known: recorded at the estimate, marked `estimated`. */
  estimated: number;
  costUsd: number;
}

interface OrphanRow {
  id: number;
  agent: string;
  model: string;
  purpose: string;
  tier: string;
  ticket_id: number | null;
  job_id: string | null;
  context_version: string | null;
  est_input_tokens: number;
  max_output_tokens: number;
  est_cost_usd: string;
  owner: string;
  started_at: Date;
  call: LlmCall | null;
}

/**
 * Records every attempt still unclaimed `olderThanMs` after it started: its
 * process died between paying for the call and recording it. Safe to run
 * from several processes at once (rows are claimed with SKIP LOCKED).
 */
export async function recordOrphanedAttempts(
  pool: Pool,
  olderThanMs: number,
): Promise<OrphanStats> {
  const stats: OrphanStats = { answered: 0, estimated: 0, costUsd: 0 };
  for (;;) {
    const n = await withTransaction(pool, async (tx) => {
      const r = await tx.query<OrphanRow>(
        `SELECT id, agent, model, purpose, tier, ticket_id, job_id, context_version, est_input_tokens,
                max_output_tokens, est_cost_usd, owner, started_at, call
           FROM llm_attempts
          WHERE state IN ('open', 'answered') AND started_at < now() - $1 * interval '1 millisecond'
          ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED`,
        [olderThanMs],
      );
      if (r.rows.length === 0) return 0;
      const events = r.rows.map((a) => {
        const common = {
          ticketId: a.ticket_id,
          jobId: a.job_id,
          contextVersion: a.context_version,
          occurredAt: a.started_at,
        };
        const origin = { attemptId: a.id, recoveredFrom: a.owner };
        if (a.call) {
          stats.answered++;
          stats.costUsd += a.call.costUsd;
          return llmCallEvent(a.agent, a.call, { ...common, details: origin });
        }
        const cost = Number(a.est_cost_usd);
        stats.estimated++;
        stats.costUsd += cost;
        return llmCallEvent(
          a.agent,
          {
            model: a.model,
            purpose: a.purpose as LlmCall['purpose'],
            tier: a.tier as LlmCall['tier'],
            inputTokens: a.est_input_tokens,
            outputTokens: a.max_output_tokens,
            cacheCreationTokens: 0,
            cacheReadTokens: 0,
            costUsd: cost,
            latencyMs: 0,
            outcome: 'ok',
          },
          {
            ...common,
            latencyMs: null,
            details: {
              ...origin,
              // The answer never reached us: input estimated from the request's
              // size, output at max_tokens, no cache discount — an upper bound.
              estimated: true,
              outcome: 'unknown',
            },
          },
        );
      });
      // insertEvents claims each attempt (details.attemptId) as it records it.
      await insertEvents(tx, events);
      return r.rows.length;
    });
    if (n < 200) break;
  }
  return stats;
}

/** Finished attempts are only bookkeeping: kept a week for the operator, then deleted. */
export async function pruneAttempts(db: Queryable, olderThanDays = 7): Promise<number> {
  const r = await db.query(
    `DELETE FROM llm_attempts WHERE state IN ('failed', 'recorded')
        AND started_at < now() - $1 * interval '1 day'`,
    [olderThanDays],
  );
  return r.rowCount ?? 0;
}
