import type { Logger } from 'pino';
import { QC_AGENT } from '../context/files.js';
import { isKnownCategory } from '../context/vocab.js';
import { type AgentEvent, insertEvents, llmCallEvent } from '../db/events.js';
import { recordQcOutbox } from '../db/outbox.js';
import { type Pool, withTransaction } from '../db/pool.js';
import type { LlmCall } from '../llm/call.js';
import type { QcContext } from './context.js';
import type { GradeOutcome } from './grade.js';

export interface SaveArgs {
  ticketId: number;
  ctx: QcContext;
  outcome: GradeOutcome;
  jobId?: string | undefined;
  via?: 'realtime' | 'batch' | 'queue';
  /** Backtests and evaluations never write failure events. */
  writeFailures?: boolean;
  latencyMs: number;
}

export interface SaveResult {
  resultId: number | undefined;
  duplicate: boolean;
  eventIds: number[];
}

/**
 * Writes a grade in one transaction: the result (exactly once per ticket
 * version × QC context version, by the UNIQUE constraint), its escalations,
 * and the observability events. A duplicate still records its model calls —
 * the money was spent — but nothing else.
 */
export async function saveGrade(pool: Pool, args: SaveArgs, logger?: Logger): Promise<SaveResult> {
  const { outcome, ctx, ticketId } = args;
  const cost = outcome.calls.reduce((s, c) => s + c.costUsd, 0);
  return withTransaction(pool, async (db) => {
    const inserted = await db.query<{ id: number }>(
      `INSERT INTO qc_results (ticket_id, context_version, outcome, score, confidence, verdict, model,
         tier, tier_reason, shadow, cost_usd, latency_ms, via, job_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (ticket_id, context_version) DO NOTHING RETURNING id`,
      [
        ticketId,
        ctx.version,
        outcome.verdict.outcome,
        outcome.verdict.score,
        outcome.verdict.confidence.toFixed(3),
        JSON.stringify(outcome.verdict),
        outcome.model,
        outcome.tier,
        outcome.tierReason ?? null,
        outcome.comparison
          ? JSON.stringify({ ...outcome.comparison, other: outcome.comparison.other.criteria })
          : null,
        cost.toFixed(8),
        args.latencyMs,
        args.via ?? 'realtime',
        args.jobId ?? null,
      ],
    );
    const resultId = inserted.rows[0]?.id;
    const common = { ticketId, contextVersion: ctx.version, jobId: args.jobId ?? null };
    const events: AgentEvent[] = outcome.calls.map((c: LlmCall) =>
      llmCallEvent(QC_AGENT, c, { ...common, resultId: resultId ?? null }),
    );
    if (resultId === undefined) {
      logger?.info(
        { ticketId, contextVersion: ctx.version },
        'result already stored; duplicate not written',
      );
      return { resultId, duplicate: true, eventIds: await insertEvents(db, events) };
    }
    const v = outcome.verdict;
    events.push({
      ...common,
      resultId,
      agent: QC_AGENT,
      kind: 'verdict',
      category: v.outcome,
      model: outcome.model,
      tier: outcome.tier,
      costUsd: 0,
      details: {
        score: v.score,
        confidence: v.confidence,
        tierReason: outcome.tierReason ?? null,
        patterns: v.patterns,
        ...(outcome.comparison
          ? {
              comparison: {
                kind: outcome.comparison.kind,
                agreed: outcome.comparison.agreed,
                total: outcome.comparison.total,
                outcomeAgreed: outcome.comparison.outcomeAgreed,
              },
            }
          : {}),
      },
    });
    for (const e of v.escalations) {
      await db.query(
        `INSERT INTO escalations (result_id, ticket_id, rule, reason) VALUES ($1, $2, $3, $4)
         ON CONFLICT (result_id, rule) DO NOTHING`,
        [resultId, ticketId, e.rule, e.reason],
      );
      events.push({
        ...common,
        resultId,
        agent: QC_AGENT,
        kind: 'escalation',
        category: e.rule,
        details: { reason: e.reason },
      });
    }
    if (args.writeFailures !== false) {
      for (const f of outcome.failures) {
        if (!isKnownCategory(ctx.vocab, f.agent, f.category)) {
          logger?.warn(
            { agent: f.agent, category: f.category },
            'failure outside the closed vocabulary dropped',
          );
          continue;
        }
        events.push({
          ...common,
          resultId,
          agent: f.agent,
          kind: 'failure',
          category: f.category,
          details: f.details,
        });
      }
    }
    await db.query(`UPDATE tickets SET qc_status = 'graded' WHERE id = $1`, [ticketId]);
    // Issue 15: the write-back note for this result, committed with it.
    await recordQcOutbox(db, { ticketId, resultId, contextVersion: ctx.version, via: args.via });
    return { resultId, duplicate: false, eventIds: await insertEvents(db, events) };
  });
}
