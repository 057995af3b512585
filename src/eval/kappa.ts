/**
 * Agreement between two raters over categorical labels: a confusion matrix
 * and Cohen's kappa, κ = (pₒ − pₑ) / (1 − pₑ), where pₒ is the observed
 * agreement and pₑ the agreement expected by chance from the marginals.
 * κ corrects accuracy for chance: on a set that is 90 % "pass", always
 * answering "pass" scores 0.90 accuracy and κ = 0.
 */

export interface Confusion {
  labels: string[];
  /** counts[i][j]: gold labels[i], predicted labels[j]. */
  counts: number[][];
}

export function confusionOf(
  pairs: ReadonlyArray<readonly [gold: string, predicted: string]>,
  labels?: readonly string[],
): Confusion {
  const all = labels ? [...labels] : [...new Set(pairs.flat())].sort((a, b) => a.localeCompare(b));
  const index = new Map(all.map((l, i) => [l, i]));
  const counts = all.map(() => all.map(() => 0));
  for (const [g, p] of pairs) {
    const i = index.get(g);
    const j = index.get(p);
    if (i === undefined || j === undefined) continue;
    const row = counts[i];
    if (row) row[j] = (row[j] ?? 0) + 1;
  }
  return { labels: all, counts };
}

/** Cohen's κ of a square contingency table; undefined when there is nothing to compare. */
export function cohenKappa(counts: readonly (readonly number[])[]): number | undefined {
  const k = counts.length;
  let n = 0;
  let agree = 0;
  const rows = new Array<number>(k).fill(0);
  const cols = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = counts[i]?.[j] ?? 0;
      n += v;
      rows[i] = (rows[i] ?? 0) + v;
      cols[j] = (cols[j] ?? 0) + v;
      if (i === j) agree += v;
    }
  }
  if (n === 0) return undefined;
  const po = agree / n;
  let pe = 0;
  for (let i = 0; i < k; i++) pe += ((rows[i] ?? 0) / n) * ((cols[i] ?? 0) / n);
  // Both raters used one and the same label throughout: agreement is total, κ is defined as 1.
  if (pe === 1) return po === 1 ? 1 : 0;
  return (po - pe) / (1 - pe);
}

export function kappaOf(
  pairs: ReadonlyArray<readonly [string, string]>,
  labels?: readonly string[],
): number | undefined {
  return cohenKappa(confusionOf(pairs, labels).counts);
}

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}
