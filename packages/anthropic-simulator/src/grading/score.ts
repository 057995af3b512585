/**
 * The rubric's arithmetic, applied to the simulator's own judgments. The
 * weights, auto-fail flags and pass mark come from the rubric text in the
 * request's system prompt (vocab.ts), never from the product: this package
 * imports nothing from it. The rule is the one context/rubric.md states.
 */

const VALUE: Record<string, number> = { met: 1, partial: 0.5, missing: 0 };

export interface Rubric {
  weights: ReadonlyMap<string, number>;
  autoFail: ReadonlySet<string>;
  passThreshold: number;
}

/**
 * met 1, partial 0.5, missing 0, `n/a` (or any other result) left out;
 * `round(100 · Σ weight·value / Σ weight)`, half up; weight 1 for a criterion
 * the rubric gives none; 0 when nothing is left to score (the product refuses
 * such a verdict as not a grade).
 */
export function scoreOf(
  results: Iterable<readonly [string, string]>,
  weights: ReadonlyMap<string, number>,
): number {
  let num = 0;
  let den = 0;
  for (const [id, result] of results) {
    const value = VALUE[result];
    if (value === undefined) continue;
    const w = weights.get(id) ?? 1;
    num += w * value;
    den += w;
  }
  return den === 0 ? 0 : Math.floor((100 * num) / den + 0.5 + 1e-9);
}

/** escalate if any escalation; else fail on an auto-fail criterion partial/missing or a score below the pass mark; else pass. */
export function outcomeOf(
  results: Iterable<readonly [string, string]>,
  escalated: boolean,
  rubric: Rubric,
): {
  score: number;
  outcome: 'pass' | 'fail' | 'escalate';
  autoFailed: string[];
  failing: boolean;
} {
  const list = [...results];
  const score = scoreOf(list, rubric.weights);
  const autoFailed = list
    .filter(([id, r]) => rubric.autoFail.has(id) && (r === 'partial' || r === 'missing'))
    .map(([id]) => id);
  const failing = autoFailed.length > 0 || score < rubric.passThreshold;
  return {
    score,
    outcome: escalated ? 'escalate' : failing ? 'fail' : 'pass',
    autoFailed,
    failing,
  };
}
