import type { AgentEvent } from './events.js';
import type { Queryable } from './pool.js';
import { QC_TRANSITIONS } from './qc-status.js';
import type { NewResult } from './results.js';
import type { SecondOpinionRow } from './second-opinions.js';

/**
 * The QC job's database work in two statements (issue 13: each statement is
 * a round trip and a socket write, and at concurrency 50 a pool checkout
 * each): `prepareGrade` before the model call, `writeGrade` after it. Each
 * is one statement, so each is atomic without BEGIN/COMMIT. The transitions
 * they make are QC_TRANSITIONS' own (`supersedeAtGrade`, `grade`): the
 * allowed states are passed in from that table, not restated here.
 */

export interface PreparedTicket {
  id: number;
  source: string;
  externalId: string;
  contentHash: string;
  qcStatus: string;
  ticket: unknown;
  /** A newer version of the ticket is stored (this one was just marked superseded). */
  newer: boolean;
  /** activeVersionKey(): every active context file's version and sha. */
  contextKey: string;
  /** The stored result for (this version, the expected context version), if any. */
  existingResultId: number | undefined;
  /** The attempt row reserved for the first model call, when the ticket is to be graded. */
  attemptId: number | undefined;
}

/** The attempt row to reserve for the first call: its estimate is finished in SQL from the ticket's size. */
export interface FirstAttempt {
  owner: string;
  agent: string;
  model: string;
  purpose: string;
  tier: string;
  jobId: string | undefined;
  maxOutputTokens: number;
  /** Characters of the request besides the ticket (system blocks, tools, the message's frame). */
  fixedChars: number;
  /** USD per million input tokens (the dearest input rate) and output tokens. */
  inputRate: number;
  outputRate: number;
}

/**
 * One statement: the ticket version, whether a newer version exists (and if
 * so the supersedeAtGrade transition), the active context key, the result
 * already stored for `contextVersion`, and — only when the version is to be
 * graded under that context — the attempt row of the first model call, so a
 * call is never made without its row. Its input estimate is the request's
 * size at ~3 characters a token, as estimateCall does (src/llm/attempts.ts),
 * with the ticket's stored JSON standing for its message (at least as long).
 */
export async function prepareGrade(
  db: Queryable,
  ticketId: number,
  contextVersion: string,
  contextKey: string,
  first: FirstAttempt | undefined,
): Promise<PreparedTicket | undefined> {
  const sup = QC_TRANSITIONS.supersedeAtGrade;
  const r = await db.query<{
    id: number;
    source: string;
    external_id: string;
    content_hash: string;
    qc_status: string;
    ticket: unknown;
    newer: boolean;
    shas: string | null;
    existing_id: number | null;
    attempt_id: number | null;
  }>({
    // Named: parsed and planned once per connection, not for every job.
    name: 'qc-prepare-grade',
    text: `WITH me AS (
       SELECT id, source, external_id, content_hash, qc_status, ticket, ticket_updated_at
         FROM tickets WHERE id = $1::bigint
     ), newer AS (
       SELECT EXISTS (SELECT 1 FROM tickets n JOIN me ON n.source = me.source AND n.external_id = me.external_id
                       WHERE (n.ticket_updated_at, n.id) > (me.ticket_updated_at, me.id)) AS yes
     ), sup AS (
       UPDATE tickets t SET qc_status = $2::text FROM newer
        WHERE t.id = $1::bigint AND newer.yes AND t.qc_status = ANY($3::text[]) RETURNING t.id
     ), ctx AS (
       SELECT string_agg(file || ':' || version || ':' || sha256, ',' ORDER BY file) AS shas
         FROM context_versions WHERE active
     ), existing AS (
       SELECT id FROM qc_results WHERE ticket_id = $1::bigint AND context_version = $4::text
     ), est AS (
       SELECT ceil(($13::int + octet_length(me.ticket::text)) / 3.0)::int AS tokens FROM me
     ), att AS (
       INSERT INTO llm_attempts (owner, agent, model, purpose, tier, ticket_id, job_id, context_version,
                                 est_input_tokens, max_output_tokens, est_cost_usd)
       SELECT $6::text, $7::text, $8::text, $9::text, $10::text, $1::bigint, $11::text, $4::text,
              est.tokens, $12::int,
              ceil((est.tokens * $14::numeric + $12::int * $15::numeric) * 100) / 1e8
         FROM est, ctx, newer
        WHERE $6::text IS NOT NULL AND NOT newer.yes AND NOT EXISTS (SELECT 1 FROM existing)
          AND ctx.shas = $5::text
       RETURNING id
     )
     SELECT me.id, me.source, me.external_id, me.content_hash, me.qc_status, me.ticket,
            (SELECT yes FROM newer) AS newer, (SELECT shas FROM ctx) AS shas,
            (SELECT id FROM existing) AS existing_id, (SELECT id FROM att) AS attempt_id
       FROM me`,
    values: [
      ticketId,
      sup.to,
      [...sup.from],
      contextVersion,
      contextKey,
      first?.owner ?? null,
      first?.agent ?? null,
      first?.model ?? null,
      first?.purpose ?? null,
      first?.tier ?? null,
      first?.jobId ?? null,
      first?.maxOutputTokens ?? 0,
      first?.fixedChars ?? 0,
      first?.inputRate ?? 0,
      first?.outputRate ?? 0,
    ],
  });
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    source: row.source,
    externalId: row.external_id,
    contentHash: row.content_hash,
    qcStatus: row.qc_status,
    ticket: row.ticket,
    newer: row.newer,
    contextKey: row.shas ?? '',
    existingResultId: row.existing_id ?? undefined,
    attemptId: row.attempt_id ?? undefined,
  };
}

export interface GradeWrite {
  result: NewResult;
  escalations: { rule: string; reason: string }[];
  /** Without ticketId/resultId: both come from the statement. */
  secondOpinions: Omit<SecondOpinionRow, 'ticketId' | 'resultId'>[];
  /** Every event; those with `needsResult` are written only when the result is new. */
  events: (AgentEvent & { needsResult: boolean })[];
}

/**
 * One statement for a whole grade: the result (exactly once per ticket
 * version × context version, by the UNIQUE constraint), its escalations and
 * second-opinion rows, the `grade` transition, the write-back outbox row,
 * the claim of the calls' attempt rows and the events. A duplicate writes
 * only the llm_call events of the attempts it claims (the money was spent).
 */
export async function writeGrade(
  db: Queryable,
  w: GradeWrite,
): Promise<{ resultId: number | undefined; eventIds: number[] }> {
  const r0 = w.result;
  const g = QC_TRANSITIONS.grade;
  const attemptIds: number[] = [];
  const events = w.events.map((e, i) => {
    const a = e.details?.attemptId;
    if (typeof a === 'number') attemptIds.push(a);
    return {
      i,
      at: (e.occurredAt ?? new Date()).toISOString(),
      agent: e.agent,
      kind: e.kind,
      category: e.category ?? null,
      model: e.model ?? null,
      tier: e.tier ?? null,
      purpose: e.purpose ?? null,
      inp: e.inputTokens ?? 0,
      outp: e.outputTokens ?? 0,
      cw: e.cacheCreationTokens ?? 0,
      cr: e.cacheReadTokens ?? 0,
      cost: (e.costUsd ?? 0).toFixed(8),
      lat: e.latencyMs ?? null,
      details: e.details ?? {},
      attempt: typeof a === 'number' ? a : null,
      needs: e.needsResult,
    };
  });
  const r = await db.query<{ result_id: number | null; event_ids: number[] }>({
    name: 'qc-write-grade',
    text: `WITH res AS (
       INSERT INTO qc_results (ticket_id, context_version, outcome, score, confidence, verdict, model,
         tier, tier_reason, shadow, cost_usd, latency_ms, via, job_id)
       VALUES ($1::bigint, $2::text, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text, $14::text)
       ON CONFLICT (ticket_id, context_version) DO NOTHING RETURNING id
     ), claimed AS (
       UPDATE llm_attempts SET state = 'recorded', recorded_at = now()
        WHERE id = ANY($18::bigint[]) AND state <> 'recorded' RETURNING id
     ), esc AS (
       INSERT INTO escalations (result_id, ticket_id, rule, reason)
       SELECT res.id, $1::bigint, e.rule, e.reason FROM res, jsonb_to_recordset($15::jsonb) AS e(rule text, reason text)
       ON CONFLICT (result_id, rule) DO NOTHING
     ), so AS (
       INSERT INTO second_opinions (rule, ticket_id, result_id, sampled, outcome_agreed, sample_rate, strong_cost_usd)
       SELECT s.rule, $1::bigint, res.id, s.sampled, s."outcomeAgreed", s."sampleRate", s."strongCostUsd"
         FROM res, jsonb_to_recordset($16::jsonb)
           AS s(rule text, sampled boolean, "outcomeAgreed" boolean, "sampleRate" numeric, "strongCostUsd" numeric)
     ), st AS (
       UPDATE tickets SET qc_status = $19::text
        WHERE id = $1::bigint AND qc_status = ANY($20::text[]) AND EXISTS (SELECT 1 FROM res)
     ), ob AS (
       INSERT INTO writeback_outbox (kind, ticket_id, source, external_id, context_version, result_id, via)
       SELECT 'qc', t.id, t.source, t.external_id, $2::text, res.id, $13::text
         FROM res, tickets t WHERE t.id = $1::bigint
       ON CONFLICT (ticket_id, context_version, kind) DO NOTHING
     ), ev AS (
       INSERT INTO agent_events (occurred_at, agent, kind, category, ticket_id, result_id, model, tier, purpose,
         input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd,
         latency_ms, context_version, job_id, details)
       SELECT e.at, e.agent, e.kind, e.category, $1::bigint, (SELECT id FROM res), e.model, e.tier, e.purpose,
              e.inp, e.outp, e.cw, e.cr, e.cost, e.lat, $2::text, $14::text, e.details
         FROM jsonb_to_recordset($17::jsonb) AS e(i int, at timestamptz, agent text, kind text, category text,
              model text, tier text, purpose text, inp int, outp int, cw int, cr int, cost numeric, lat int,
              details jsonb, attempt bigint, needs boolean)
        WHERE (e.attempt IS NULL OR e.attempt IN (SELECT id FROM claimed))
          AND (NOT e.needs OR EXISTS (SELECT 1 FROM res))
        ORDER BY e.i
       RETURNING id
     )
     SELECT (SELECT id FROM res) AS result_id,
            coalesce((SELECT array_agg(id ORDER BY id) FROM ev), '{}') AS event_ids`,
    values: [
      r0.ticketId,
      r0.contextVersion,
      r0.outcome,
      r0.score,
      r0.confidence,
      JSON.stringify(r0.verdict),
      r0.model,
      r0.tier,
      r0.tierReason,
      r0.shadow === null ? null : JSON.stringify(r0.shadow),
      r0.costUsd,
      r0.latencyMs,
      r0.via,
      r0.jobId,
      JSON.stringify(w.escalations),
      JSON.stringify(
        w.secondOpinions.map((s) => ({ ...s, strongCostUsd: Number(s.strongCostUsd.toFixed(8)) })),
      ),
      JSON.stringify(events),
      attemptIds,
      g.to,
      [...g.from],
    ],
  });
  const row = r.rows[0];
  return { resultId: row?.result_id ?? undefined, eventIds: row?.event_ids ?? [] };
}
