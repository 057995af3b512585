import { OUTCOMES, RESULTS } from '../context/verdict.js';
import type { Gold } from '../import/jsonl.js';
import { type Confusion, confusionOf, kappaOf, percentile } from './kappa.js';
import { type AutoFailScore, autoFailOf, type RuleScore, rulesOf } from './rules.js';

/**
 * The numbers an evaluation reports. Accuracy counts a ticket the model
 * could not grade as wrong (an unusable answer is not a right one); κ is
 * computed over the graded tickets, against the gold labels, with the
 * label sets fixed so runs stay comparable.
 */

export interface EvalItem {
  line: number;
  externalId: string;
  gold: Gold;
  outcome?: string;
  score?: number;
  model?: string;
  criteria: Record<string, string>;
  /** Escalation rules the grader raised. */
  escalations?: string[];
  costUsd: number;
  latencyMs: number;
  tierUp: boolean;
  error?: string;
}

export interface CriterionAgreement {
  n: number;
  agreement: number;
  kappa: number | null;
}

export interface EvalSummary {
  items: number;
  errors: number;
  correct: number;
  accuracy: number;
  kappa: number | null;
  criteriaAgreement: number | null;
  criteriaKappa: number | null;
  perCriterion: Record<string, CriterionAgreement>;
  confusion: Confusion;
  /** Escalation recall and precision per rule. */
  byRule: Record<string, RuleScore>;
  /** Auto-fail precision (and recall) per auto-fail criterion. */
  autoFail: Record<string, AutoFailScore>;
  costUsd: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  tierUps: number;
}

const round4 = (x: number | undefined) => (x === undefined ? null : Math.round(x * 1e4) / 1e4);

export function summarize(
  items: readonly EvalItem[],
  criteria: readonly string[],
  autoFailCriteria: readonly string[] = [],
  rules: readonly string[] = [],
): EvalSummary {
  const graded = items.filter((i) => i.outcome !== undefined);
  const outcomePairs = graded.map((i) => [i.gold.outcome, i.outcome as string] as const);
  const correct = outcomePairs.filter(([g, p]) => g === p).length;
  const perCriterion: Record<string, CriterionAgreement> = {};
  const pooled: (readonly [string, string])[] = [];
  for (const id of criteria) {
    const pairs: (readonly [string, string])[] = [];
    for (const i of graded) {
      const g = i.gold.criteria[id];
      const p = i.criteria[id];
      if (g !== undefined && p !== undefined) pairs.push([g, p]);
    }
    pooled.push(...pairs);
    if (pairs.length === 0) continue;
    perCriterion[id] = {
      n: pairs.length,
      agreement: round4(pairs.filter(([g, p]) => g === p).length / pairs.length) ?? 0,
      kappa: round4(kappaOf(pairs, RESULTS)),
    };
  }
  const latencies = graded.map((i) => i.latencyMs);
  return {
    items: items.length,
    errors: items.length - graded.length,
    correct,
    accuracy: round4(items.length ? correct / items.length : 0) ?? 0,
    kappa: round4(kappaOf(outcomePairs, OUTCOMES)),
    criteriaAgreement: round4(
      pooled.length ? pooled.filter(([g, p]) => g === p).length / pooled.length : undefined,
    ),
    criteriaKappa: round4(kappaOf(pooled, RESULTS)),
    perCriterion,
    confusion: confusionOf(outcomePairs, OUTCOMES),
    byRule: rulesOf(items, rules),
    autoFail: autoFailOf(graded, autoFailCriteria),
    costUsd: items.reduce((s, i) => s + i.costUsd, 0),
    latencyP50Ms: percentile(latencies, 50) ?? null,
    latencyP95Ms: percentile(latencies, 95) ?? null,
    tierUps: items.filter((i) => i.tierUp).length,
  };
}
