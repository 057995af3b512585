import type Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import type { GradeSettings } from '../config.js';
import { QC_AGENT } from '../context/files.js';
import {
  applyPolicy,
  describeIssues,
  type ToolVerdict,
  type Verdict,
  verdictFromTool,
} from '../context/verdict.js';
import {
  callFromMessage,
  type LlmCall,
  type LlmDeps,
  type Purpose,
  type Tier,
  type ToolReply,
  toolUseOf,
} from '../llm/call.js';
import { toError } from '../logger.js';
import type { Ticket } from '../ticket/schema.js';
import { truncationNote } from '../ticket/truncate.js';
import { type CallFn, CallNeeded, callOf } from './call-needed.js';
import { type QcContext, systemBlocks, VERDICT_TOOL } from './context.js';
import { repairTurn, ticketMessage } from './prompt.js';
import { askSecondOpinion } from './second-opinion-call.js';
import { ticketTruncation } from './ticket-text.js';

export type { GradeSettings } from '../config.js';

/** A failure event to record: always in a closed (agent, category) vocabulary. */
export interface Failure {
  agent: string;
  category: string;
  details: Record<string, unknown>;
}

export interface ShadowComparison {
  kind: 'shadow' | 'tier_up';
  model: string;
  agreement: Record<string, boolean>;
  agreed: number;
  total: number;
  outcomeAgreed: boolean;
  other: Verdict;
}

export interface GradeOutcome {
  verdict: Verdict;
  model: string;
  tier: Tier;
  tierReason?: string;
  calls: LlmCall[];
  failures: Failure[];
  comparison?: ShadowComparison;
  /** Second-opinion rules the base verdict raised, and whether the strong model was asked (issue 12). */
  secondOpinions?: SecondOpinionDecision[];
}

export interface SecondOpinionDecision {
  rule: string;
  sampled: boolean;
  /** The probability it was asked with (1 = always-on). */
  rate: number;
}

export type TierReason = 'schema_invalid' | 'low_confidence' | `second_opinion:${string}`;

export class InvalidOutputError extends Error {
  override name = 'InvalidOutputError';
  constructor(
    message: string,
    readonly calls: LlmCall[],
  ) {
    super(message);
  }
}

interface Attempt {
  verdict?: Verdict;
  issues: string[];
  calls: LlmCall[];
}

export interface GradeDeps {
  llm: LlmDeps;
  settings: GradeSettings;
  logger?: Logger;
  random?: () => number;
  /** Sample rate of each second-opinion rule (src/qc/second-opinion.ts); absent = always asked. */
  secondOpinionRate?: (rule: string) => number;
  /** Makes the model calls; absent = `callTool`. May throw `CallNeeded` (batch follow-ups). */
  call?: CallFn | undefined;
}

/**
 * One model's verdict: a call, validation, and at most one repair turn with
 * the validation errors. Every call is returned for costing, valid or not,
 * and pushed to `paid` as soon as it is made, so the caller still has it
 * when a later call throws.
 */
async function attempt(
  deps: GradeDeps,
  ctx: QcContext,
  ticket: Ticket,
  a: {
    model: string;
    tier: Tier;
    purpose: Purpose;
    repairPurpose: Purpose;
    paid: LlmCall[];
    signal?: AbortSignal | undefined;
    first?: Anthropic.Message | undefined;
  },
): Promise<Attempt> {
  const { model, tier } = a;
  const calls: LlmCall[] = [];
  const system = systemBlocks(ctx, deps.settings.cacheTtl);
  const messages: Anthropic.MessageParam[] = [ticketMessage(ticket)];
  let issues: string[] = [];
  for (const round of [0, 1]) {
    const reply =
      round === 0 && a.first
        ? replyFromBatch(a.first, deps, model, tier)
        : await callOf(deps)({
            model,
            system,
            tools: [ctx.tool],
            toolName: VERDICT_TOOL,
            messages,
            maxTokens: deps.settings.maxTokens,
            purpose: round === 0 ? a.purpose : a.repairPurpose,
            tier,
            signal: a.signal,
          });
    calls.push(reply.call);
    a.paid.push(reply.call);
    if (reply.input === undefined) {
      issues = ['the reply did not call record_verdict'];
    } else {
      const parsed = ctx.schema.safeParse(reply.input);
      if (parsed.success) {
        return {
          verdict: applyPolicy(
            verdictFromTool(parsed.data as ToolVerdict, ctx.vocab),
            ctx.vocab,
            ctx.passThreshold,
          ),
          issues,
          calls,
        };
      }
      issues = describeIssues(parsed.error);
      reply.call.outcome = 'invalid';
    }
    deps.logger?.warn({ model, round, issues }, 'model output failed validation');
    messages.push(...repairTurn(reply.toolUseId, reply.input, issues));
  }
  return { issues, calls };
}

/** A reply that came back from the Message Batches API: costed at batch prices. */
function replyFromBatch(
  message: Anthropic.Message,
  deps: GradeDeps,
  model: string,
  tier: Tier,
): ToolReply {
  const use = toolUseOf(message, VERDICT_TOOL);
  return {
    input: use?.input,
    toolUseId: use?.id,
    message,
    call: batchReplyCall(message, model, tier, deps.llm.prices),
  };
}

/** The measured call behind a Message Batches reply (batch prices, no latency of its own). */
export function batchReplyCall(
  message: Anthropic.Message,
  model: string,
  tier: Tier,
  prices: LlmDeps['prices'],
): LlmCall {
  return callFromMessage(message, { model, purpose: 'batch', tier }, prices, {
    latencyMs: 0,
    outcome: toolUseOf(message, VERDICT_TOOL) ? 'ok' : 'no_tool',
    batch: true,
  });
}

function compare(
  kind: ShadowComparison['kind'],
  model: string,
  a: Verdict,
  b: Verdict,
): ShadowComparison {
  const agreement: Record<string, boolean> = {};
  for (const c of a.criteria) {
    const other = b.criteria.find((x) => x.criterion === c.criterion);
    agreement[c.criterion] = other?.result === c.result;
  }
  const values = Object.values(agreement);
  return {
    kind,
    model,
    agreement,
    agreed: values.filter(Boolean).length,
    total: values.length,
    outcomeAgreed: a.outcome === b.outcome,
    other: b,
  };
}

export interface GradeOptions {
  purpose?: 'grade' | 'backtest' | 'eval' | 'batch';
  signal?: AbortSignal;
  shadow?: boolean;
  /** The base model's reply, already obtained through the Message Batches API. */
  batchReply?: Anthropic.Message;
}

/**
 * Haiku first; Sonnet only for a reason: output still invalid after a repair,
 * confidence below the threshold, an escalation rule that asks for a second
 * opinion, or a shadow sample (Sonnet grades too; Haiku's verdict stands).
 *
 * Whatever it throws carries the calls already paid for (`callsOf`): a
 * tier-up that fails after the base call succeeded must not lose that cost.
 */
export async function gradeTicket(
  deps: GradeDeps,
  ctx: QcContext,
  ticket: Ticket,
  opts: GradeOptions = {},
): Promise<GradeOutcome> {
  const paid: LlmCall[] = [];
  try {
    return await grade(deps, ctx, ticket, opts, paid);
  } catch (raw) {
    // CallNeeded: nothing new was paid for; the caller journals the request.
    if (raw instanceof InvalidOutputError || raw instanceof CallNeeded) throw raw;
    const err = toError(raw);
    Object.defineProperty(err, 'calls', { value: [...paid], configurable: true });
    throw err;
  }
}

/** The model calls paid for before `gradeTicket` threw (none for other errors). */
export function callsOf(err: unknown): LlmCall[] {
  const calls = err instanceof Error ? (err as Error & { calls?: unknown }).calls : undefined;
  return Array.isArray(calls) ? (calls as LlmCall[]) : [];
}

async function grade(
  deps: GradeDeps,
  ctx: QcContext,
  ticket: Ticket,
  opts: GradeOptions,
  paid: LlmCall[],
): Promise<GradeOutcome> {
  const s = deps.settings;
  const purpose = opts.purpose ?? 'grade';
  // Evaluations and backtests are not grading: their repairs and tier-ups keep
  // the run's purpose, so production spend and supervision numbers (which
  // leave 'eval' and 'backtest' out) do not count them as real tier-ups.
  const offline = purpose === 'eval' || purpose === 'backtest';
  const failures: Failure[] = [];
  const calls: LlmCall[] = [];

  const base = await attempt(deps, ctx, ticket, {
    model: s.baseModel,
    tier: 'base',
    purpose,
    repairPurpose: offline ? purpose : 'repair',
    paid,
    signal: opts.signal,
    first: opts.batchReply,
  });
  calls.push(...base.calls);
  if (base.calls.length > 1) {
    failures.push({
      agent: QC_AGENT,
      category: 'schema_invalid',
      details: {
        kind: 'schema_invalid',
        model: s.baseModel,
        issues: base.issues,
        repaired: Boolean(base.verdict),
      },
    });
  }

  let reason: TierReason | undefined;
  let secondOpinions: SecondOpinionDecision[] | undefined;
  if (!base.verdict) reason = 'schema_invalid';
  else if (base.verdict.confidence < s.minConfidence) {
    reason = 'low_confidence';
    failures.push({
      agent: QC_AGENT,
      category: 'low_confidence',
      details: { kind: 'low_confidence', model: s.baseModel, confidence: base.verdict.confidence },
    });
  } else {
    secondOpinions = decideSecondOpinions(deps, ctx, base.verdict, purpose);
    const asked = secondOpinions.find((d) => d.sampled);
    if (asked) reason = `second_opinion:${asked.rule}`;
  }

  let final: { verdict: Verdict; model: string; tier: Tier } | undefined = base.verdict
    ? { verdict: base.verdict, model: s.baseModel, tier: 'base' }
    : undefined;
  let comparison: ShadowComparison | undefined;

  // A second opinion skipped by sampling is not a shadow either: the saving is the point.
  const wantShadow =
    !reason &&
    !secondOpinions?.length &&
    (purpose === 'grade' || purpose === 'batch') &&
    (opts.shadow ?? (deps.random ?? Math.random)() < s.shadowRate);
  if (reason?.startsWith('second_opinion:') && base.verdict) {
    // A short confirm-or-overturn call, not a second full grade (src/qc/second-opinion-call.ts).
    const so = await askSecondOpinion(deps, ctx, ticket, base.verdict, {
      rules: secondOpinions?.filter((d) => d.sampled).map((d) => d.rule) ?? [],
      purpose: offline ? purpose : 'tier_up',
      repairPurpose: offline ? purpose : 'repair',
      paid,
      signal: opts.signal,
    });
    calls.push(...so.calls);
    failures.push(...so.failures);
    if (so.decisions) {
      comparison = compare('tier_up', s.strongModel, base.verdict, so.verdict);
      final = { verdict: so.verdict, model: s.strongModel, tier: 'strong' };
    }
  } else if (reason || wantShadow) {
    const strongPurpose: Purpose = offline ? purpose : reason ? 'tier_up' : 'shadow';
    const strong = await attempt(deps, ctx, ticket, {
      model: s.strongModel,
      tier: 'strong',
      purpose: strongPurpose,
      repairPurpose: offline ? purpose : 'repair',
      paid,
      signal: opts.signal,
    });
    calls.push(...strong.calls);
    if (reason) {
      if (!strong.verdict) {
        throw new InvalidOutputError(
          `no valid verdict from ${s.baseModel} or ${s.strongModel}: ${strong.issues.join('; ')}`,
          calls,
        );
      }
      if (base.verdict)
        comparison = compare('tier_up', s.strongModel, base.verdict, strong.verdict);
      final = { verdict: strong.verdict, model: s.strongModel, tier: 'strong' };
    } else if (base.verdict && strong.verdict) {
      comparison = compare('shadow', s.strongModel, base.verdict, strong.verdict);
      for (const [criterion, agreed] of Object.entries(comparison.agreement)) {
        if (agreed) continue;
        failures.push({
          agent: QC_AGENT,
          category: criterion,
          details: {
            kind: 'shadow_disagreement',
            base: base.verdict.criteria.find((c) => c.criterion === criterion)?.result,
            strong: strong.verdict.criteria.find((c) => c.criterion === criterion)?.result,
            strongModel: s.strongModel,
          },
        });
      }
    }
  }
  if (!final) throw new InvalidOutputError('no valid verdict', calls);

  for (const a of final.verdict.attributions) {
    failures.push({
      agent: a.agent,
      category: a.category,
      details: { kind: 'attribution', note: a.note },
    });
  }
  // The model saw a shortened ticket: the verdict says so (src/ticket/truncate.ts).
  const truncation = ticketTruncation(ticket);
  if (truncation) {
    const v = final.verdict;
    final.verdict = {
      ...v,
      missing_information: [truncationNote(truncation), ...v.missing_information].slice(0, 30),
    };
  }
  return {
    ...final,
    ...(reason ? { tierReason: reason } : {}),
    calls,
    failures,
    ...(comparison ? { comparison } : {}),
    ...(secondOpinions?.length ? { secondOpinions } : {}),
  };
}

/**
 * Which second-opinion rules the base verdict raised and whether each is
 * asked this time: always, unless the rule has earned sampling
 * (`deps.secondOpinionRate` below 1). Evaluations and backtests always ask:
 * they measure the whole grader.
 */
function decideSecondOpinions(
  deps: GradeDeps,
  ctx: QcContext,
  verdict: Verdict,
  purpose: string,
): SecondOpinionDecision[] {
  const rules = [
    ...new Set(
      verdict.escalations
        .map((e) => e.rule)
        .filter((id) => ctx.vocab.rules.find((r) => r.id === id)?.secondOpinion),
    ),
  ];
  const offline = purpose === 'eval' || purpose === 'backtest';
  const random = deps.random ?? Math.random;
  return rules.map((rule) => {
    const rate = offline ? 1 : Math.min(1, Math.max(0, deps.secondOpinionRate?.(rule) ?? 1));
    return { rule, rate, sampled: rate >= 1 || random() < rate };
  });
}
