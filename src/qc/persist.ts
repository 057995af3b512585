import type { Logger } from 'pino';
import { QC_AGENT } from '../context/files.js';
import { isKnownCategory } from '../context/vocab.js';
import { type AgentEvent, llmCallEvent } from '../db/events.js';
import type { GradeWrite } from '../db/grade-write.js';
import type { Pool } from '../db/pool.js';
import type { LlmCall } from '../llm/call.js';
import type { QcContext } from './context.js';
import type { GradeOutcome } from './grade.js';
import { qcStatements } from './statements.js';

export interface SaveArgs {
  ticketId: number;
  ctx: QcContext;
  outcome: GradeOutcome;
  jobId?: string | undefined;
  via?: 'realtime' | 'batch' | 'queue';
  /** Backtests and evaluations never write failure events. */
  writeFailures?: boolean;
  latencyMs: number;
  /** The batch replies among the calls have their events already (GradeAndSaveOptions). */
  batchRecorded?: boolean | undefined;
}

export interface SaveResult {
  resultId: number | undefined;
  duplicate: boolean;
  eventIds: number[];
}

/**
 * Writes a grade in one statement (src/db/grade-write.ts), shared with the
 * grades saved at the same time (src/qc/statements.ts): the result
 * (exactly once per ticket version × QC context version, by the UNIQUE
 * constraint), its escalations, and the observability events. A duplicate
 * still records its model calls — the money was spent — but nothing else.
 */
export async function saveGrade(pool: Pool, args: SaveArgs, logger?: Logger): Promise<SaveResult> {
  const { outcome, ctx, ticketId } = args;
  const cost = outcome.calls.reduce((s, c) => s + c.costUsd, 0);
  const common = { ticketId, contextVersion: ctx.version, jobId: args.jobId ?? null };
  const events: (AgentEvent & { needsResult: boolean })[] = outcome.calls
    .filter((c) => !(args.batchRecorded && c.batch))
    .map((c: LlmCall) => ({
      ...llmCallEvent(QC_AGENT, c, common),
      needsResult: false,
    }));
  const v = outcome.verdict;
  events.push({
    ...common,
    needsResult: true,
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
    events.push({
      ...common,
      needsResult: true,
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
        needsResult: true,
        agent: f.agent,
        kind: 'failure',
        category: f.category,
        details: f.details,
      });
    }
  }
  let secondOpinions: GradeWrite['secondOpinions'] = [];
  if (outcome.secondOpinions?.length) {
    const strongCost = outcome.calls
      .filter((c) => c.tier === 'strong')
      .reduce((n, c) => n + c.costUsd, 0);
    const agreed = outcome.comparison?.kind === 'tier_up' ? outcome.comparison.outcomeAgreed : null;
    const firstSampled = outcome.secondOpinions.find((x) => x.sampled);
    secondOpinions = outcome.secondOpinions.map((d) => ({
      rule: d.rule,
      sampled: d.sampled,
      outcomeAgreed: d.sampled ? agreed : null,
      sampleRate: d.rate,
      // One tier-up answers every rule raised: its cost is counted once.
      strongCostUsd: d.sampled && d === firstSampled ? strongCost : 0,
    }));
  }
  const { resultId, eventIds } = await qcStatements(pool).write({
    result: {
      ticketId,
      contextVersion: ctx.version,
      outcome: v.outcome,
      score: v.score,
      confidence: v.confidence.toFixed(3),
      verdict: v,
      model: outcome.model,
      tier: outcome.tier,
      tierReason: outcome.tierReason ?? null,
      shadow: outcome.comparison
        ? { ...outcome.comparison, other: outcome.comparison.other.criteria }
        : null,
      costUsd: cost.toFixed(8),
      latencyMs: args.latencyMs,
      // The write-back note for this result (issue 15) is committed with it, with the same via.
      via: args.via ?? 'realtime',
      jobId: args.jobId ?? null,
    },
    escalations: v.escalations.map((e) => ({ rule: e.rule, reason: e.reason })),
    secondOpinions,
    events,
  });
  if (resultId === undefined) {
    logger?.info(
      { ticketId, contextVersion: ctx.version },
      'result already stored; duplicate not written',
    );
    return { resultId, duplicate: true, eventIds };
  }
  return { resultId, duplicate: false, eventIds };
}
