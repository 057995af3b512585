import { type AttemptBegin, attemptIdsOf, attemptRowsCtes, attemptRowsParams } from './attempts.js';
import type { AgentEvent } from './events.js';
import type { Queryable } from './pool.js';
import { QC_TRANSITIONS } from './qc-status.js';
import type { NewResult } from './results.js';
import type { SecondOpinionRow } from './second-opinions.js';
import { newerVersionOf } from './tickets.js';

/**
 * The QC job's database work in two statements (issue 13: each statement is
 * a round trip and a socket write, and at concurrency 50 a pool checkout
 * each): `prepareGrades` before the model call, `writeGrades` after it.
 * Each is one statement, so each is atomic without BEGIN/COMMIT, and each
 * takes many jobs at once (the QC worker groups the jobs running together,
 * src/qc/statements.ts). The transitions
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

/** The multi-row statements match their answers to their inputs by ticket. */
function distinctTickets(ids: readonly number[]): void {
  if (new Set(ids).size !== ids.length)
    throw new Error('one grouped QC statement names a ticket twice (the group key is the ticket)');
}

/** One job's part of a prepare statement. */
export interface PrepareInput {
  ticketId: number;
  /** The QC context version this process knows, and its activeVersionKey(). */
  contextVersion: string;
  contextKey: string;
  first: FirstAttempt | undefined;
}

/**
 * A group's members in ticket-id order (each keeps its `k`, its place in the
 * answer): the rows its statement inserts are then taken in one global
 * order, and the ticket updates that join on them follow it in the plans
 * PostgreSQL picks here, so two multi-row statements over the same tickets
 * (a re-run duplicate job, an intake group superseding them) wait on each
 * other rather than deadlock. Should one still deadlock, PostgreSQL cancels
 * one statement and src/db/group.ts resends its members one by one.
 */
function byTicket<M extends { tid: number }>(members: M[]): M[] {
  return members.sort((a, b) => a.tid - b.tid);
}

/**
 * One statement for the jobs of a group (src/db/group.ts), for each ticket:
 * the version, whether a newer version exists (and if so the
 * supersedeAtGrade transition), the active context key, the result already
 * stored for `contextVersion`, and — only when the version is to be graded
 * under that context — the attempt row of the first model call, so a call is
 * never made without its row. Its input estimate is the request's size at ~3
 * characters a token, as estimateCall does (src/llm/attempts.ts), with the
 * ticket's stored JSON standing for its message (at least as long). Each
 * input's answer is at its index, undefined for a ticket that does not
 * exist. The inputs name distinct tickets (the group's key).
 */
export async function prepareGrades(
  db: Queryable,
  inputs: readonly PrepareInput[],
): Promise<(PreparedTicket | undefined)[]> {
  return (await prepareGradesWith(db, inputs, [])).prepared;
}

/**
 * `prepareGrades`, and in the same statement the attempt rows of other jobs'
 * later calls that wait in the same group (src/qc/statements.ts: a tier-up's
 * row rides on the prepare statement, not a statement of its own), with the
 * answers those jobs held (src/db/attempts.ts, `beginAttempts`). One
 * statement: all of it commits, or none. Each row's id is at its index in `begun`.
 */
export async function prepareGradesWith(
  db: Queryable,
  inputs: readonly PrepareInput[],
  begins: readonly AttemptBegin[],
): Promise<{ prepared: (PreparedTicket | undefined)[]; begun: number[] }> {
  distinctTickets(inputs.map((p) => p.ticketId));
  const sup = QC_TRANSITIONS.supersedeAtGrade;
  const r = await db.query<{
    k: number;
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
    /** A row of `begins`: its id (its index is `k`); the other columns are null. */
    begun: number | null;
  }>({
    // Named: parsed and planned once per connection, not for every group.
    name: 'qc-prepare-grades',
    text: `WITH g AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS g(k int, tid bigint, cv text, ckey text, owner text,
              agent text, model text, purpose text, tier text, job text, maxout int, fixed int,
              inrate numeric, outrate numeric)
     ), me AS (
       SELECT g.k, t.id, t.source, t.external_id, t.content_hash, t.qc_status, t.ticket, t.ticket_updated_at
         FROM g JOIN tickets t ON t.id = g.tid
     ), newer AS (
       SELECT me.k, me.id, ${newerVersionOf('me')} AS yes
         FROM me
     ), sup AS (
       UPDATE tickets t SET qc_status = $2::text FROM newer
        WHERE t.id = newer.id AND newer.yes AND t.qc_status = ANY($3::text[]) RETURNING t.id
     ), ctx AS (
       SELECT string_agg(file || ':' || version || ':' || sha256, ',' ORDER BY file) AS shas
         FROM context_versions WHERE active
     ), existing AS (
       SELECT g.k, r.id FROM g JOIN qc_results r ON r.ticket_id = g.tid AND r.context_version = g.cv
     ), att AS (
       INSERT INTO llm_attempts (owner, agent, model, purpose, tier, ticket_id, job_id, context_version,
                                 est_input_tokens, max_output_tokens, est_cost_usd)
       SELECT g.owner, g.agent, g.model, g.purpose, g.tier, me.id, g.job, g.cv, est.tokens, g.maxout,
              ceil((est.tokens * g.inrate + g.maxout * g.outrate) * 100) / 1e8
         FROM g JOIN me ON me.k = g.k JOIN newer ON newer.k = g.k CROSS JOIN ctx
              CROSS JOIN LATERAL (SELECT ceil((g.fixed + octet_length(me.ticket::text)) / 3.0)::int AS tokens) est
        WHERE g.owner IS NOT NULL AND NOT newer.yes AND ctx.shas = g.ckey
          AND NOT EXISTS (SELECT 1 FROM existing x WHERE x.k = g.k)
        ORDER BY g.tid
       RETURNING id, ticket_id
     ), ${attemptRowsCtes('$4', '$5')}
     SELECT me.k, me.id, me.source, me.external_id, me.content_hash, me.qc_status, me.ticket,
            newer.yes AS newer, (SELECT shas FROM ctx) AS shas, existing.id AS existing_id, att.id AS attempt_id,
            NULL::bigint AS begun
       FROM me JOIN newer ON newer.k = me.k
            LEFT JOIN existing ON existing.k = me.k LEFT JOIN att ON att.ticket_id = me.id
     UNION ALL
     SELECT ids.k, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, ids.id
       FROM att_ids ids JOIN att_new n ON n.id = ids.id`,
    values: [
      JSON.stringify(
        byTicket(
          inputs.map((p, k) => ({
            k,
            tid: p.ticketId,
            cv: p.contextVersion,
            ckey: p.contextKey,
            owner: p.first?.owner ?? null,
            agent: p.first?.agent ?? null,
            model: p.first?.model ?? null,
            purpose: p.first?.purpose ?? null,
            tier: p.first?.tier ?? null,
            job: p.first?.jobId ?? null,
            maxout: p.first?.maxOutputTokens ?? 0,
            fixed: p.first?.fixedChars ?? 0,
            inrate: p.first?.inputRate ?? 0,
            outrate: p.first?.outputRate ?? 0,
          })),
        ),
      ),
      sup.to,
      [...sup.from],
      ...attemptRowsParams(begins),
    ],
  });
  const out: (PreparedTicket | undefined)[] = inputs.map(() => undefined);
  const begun: { k: number; id: number }[] = [];
  for (const row of r.rows) {
    if (row.begun !== null) {
      begun.push({ k: row.k, id: row.begun });
      continue;
    }
    out[row.k] = {
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
  return { prepared: out, begun: attemptIdsOf(begins, begun) };
}

export interface GradeWrite {
  result: NewResult;
  escalations: { rule: string; reason: string }[];
  /** Without ticketId/resultId: both come from the statement. */
  secondOpinions: Omit<SecondOpinionRow, 'ticketId' | 'resultId'>[];
  /** Every event; those with `needsResult` are written only when the result is new. */
  events: (AgentEvent & { needsResult: boolean })[];
}

export interface WrittenGrade {
  resultId: number | undefined;
  eventIds: number[];
}

/**
 * One statement for the grades of a group (src/db/group.ts), each whole: the
 * result (exactly once per ticket version × context version, by the UNIQUE
 * constraint), its escalations and second-opinion rows, the `grade`
 * transition, the write-back outbox row, the claim of the calls' attempt rows
 * and the events. A duplicate writes only the llm_call events of the attempts
 * it claims (the money was spent). Each grade's result id (undefined for a
 * duplicate) and event ids are at its index. The grades name distinct
 * tickets (the group's key): a result is matched to its grade by ticket.
 */
export async function writeGrades(
  db: Queryable,
  writes: readonly GradeWrite[],
): Promise<WrittenGrade[]> {
  distinctTickets(writes.map((w) => w.result.ticketId));
  const g = QC_TRANSITIONS.grade;
  const attemptIds: number[] = [];
  const members = writes.map((w, k) => {
    const r0 = w.result;
    return {
      k,
      tid: r0.ticketId,
      cv: r0.contextVersion,
      outcome: r0.outcome,
      score: r0.score,
      confidence: r0.confidence,
      verdict: r0.verdict,
      model: r0.model,
      tier: r0.tier,
      reason: r0.tierReason,
      shadow: r0.shadow,
      cost: r0.costUsd,
      lat: r0.latencyMs,
      via: r0.via,
      job: r0.jobId,
      esc: w.escalations,
      so: w.secondOpinions.map((s) => ({
        rule: s.rule,
        sampled: s.sampled,
        agreed: s.outcomeAgreed,
        rate: s.sampleRate,
        strong: Number(s.strongCostUsd.toFixed(8)),
      })),
      ev: w.events.map((e, i) => {
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
      }),
    };
  });
  const r = await db.query<{ k: number; result_id: number | null; event_ids: string[] }>({
    name: 'qc-write-grades',
    text: `WITH g AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS g(k int, tid bigint, cv text, outcome text, score int,
              confidence numeric, verdict jsonb, model text, tier text, reason text, shadow jsonb, cost numeric,
              lat int, via text, job text, esc jsonb, so jsonb, ev jsonb)
     ), res AS (
       INSERT INTO qc_results (ticket_id, context_version, outcome, score, confidence, verdict, model,
         tier, tier_reason, shadow, cost_usd, latency_ms, via, job_id)
       SELECT tid, cv, outcome, score, confidence, verdict, model, tier, reason, shadow, cost, lat, via, job
         FROM g ORDER BY tid
       ON CONFLICT (ticket_id, context_version) DO NOTHING RETURNING id, ticket_id
     ), m AS (
       SELECT g.*, res.id AS rid FROM g LEFT JOIN res ON res.ticket_id = g.tid
     ), claimed AS (
       UPDATE llm_attempts SET state = 'recorded', recorded_at = now()
        WHERE id = ANY($2::bigint[]) AND state <> 'recorded' RETURNING id
     ), esc AS (
       INSERT INTO escalations (result_id, ticket_id, rule, reason)
       SELECT m.rid, m.tid, e.rule, e.reason
         FROM m CROSS JOIN LATERAL jsonb_to_recordset(m.esc) AS e(rule text, reason text)
        WHERE m.rid IS NOT NULL
       ON CONFLICT (result_id, rule) DO NOTHING
     ), so AS (
       INSERT INTO second_opinions (rule, ticket_id, result_id, sampled, outcome_agreed, sample_rate, strong_cost_usd)
       SELECT s.rule, m.tid, m.rid, s.sampled, s.agreed, s.rate, s.strong
         FROM m CROSS JOIN LATERAL jsonb_to_recordset(m.so)
           AS s(rule text, sampled boolean, agreed boolean, rate numeric, strong numeric)
        WHERE m.rid IS NOT NULL
     ), st AS (
       UPDATE tickets t SET qc_status = $3::text FROM res
        WHERE t.id = res.ticket_id AND t.qc_status = ANY($4::text[])
     ), ob AS (
       INSERT INTO writeback_outbox (kind, ticket_id, source, external_id, context_version, result_id, via)
       SELECT 'qc', t.id, t.source, t.external_id, m.cv, m.rid, m.via
         FROM m JOIN tickets t ON t.id = m.tid WHERE m.rid IS NOT NULL
       ON CONFLICT (ticket_id, context_version, kind) DO NOTHING
     ), ev AS (
       INSERT INTO agent_events (occurred_at, agent, kind, category, ticket_id, result_id, model, tier, purpose,
         input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, cost_usd,
         latency_ms, context_version, job_id, details)
       SELECT e.at, e.agent, e.kind, e.category, m.tid, m.rid, e.model, e.tier, e.purpose,
              e.inp, e.outp, e.cw, e.cr, e.cost, e.lat, m.cv, m.job, e.details
         FROM m CROSS JOIN LATERAL jsonb_to_recordset(m.ev) AS e(i int, at timestamptz, agent text, kind text,
              category text, model text, tier text, purpose text, inp int, outp int, cw int, cr int, cost numeric,
              lat int, details jsonb, attempt bigint, needs boolean)
        WHERE (e.attempt IS NULL OR e.attempt IN (SELECT id FROM claimed))
          AND (NOT e.needs OR m.rid IS NOT NULL)
        ORDER BY m.k, e.i
       RETURNING id, ticket_id
     )
     SELECT m.k, m.rid AS result_id,
            coalesce((SELECT array_agg(ev.id ORDER BY ev.id) FROM ev WHERE ev.ticket_id = m.tid), '{}') AS event_ids
       FROM m`,
    values: [JSON.stringify(byTicket(members)), attemptIds, g.to, [...g.from]],
  });
  const out: WrittenGrade[] = writes.map(() => ({ resultId: undefined, eventIds: [] }));
  for (const row of r.rows)
    out[row.k] = {
      resultId: row.result_id ?? undefined,
      // BIGINT[] comes back as strings (only scalar BIGINTs are parsed: src/db/pool.ts).
      eventIds: (row.event_ids ?? []).map(Number),
    };
  return out;
}
