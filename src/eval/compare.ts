/**
 * `eval compare RUN_A RUN_B`: two runs over the same labeled set (two context
 * versions, or two models), ticket by ticket. "The new rubric is better"
 * becomes a number with its uncertainty:
 * - McNemar's exact test on the discordant pairs (A right and B wrong, or the
 *   reverse): two-sided p = min(1, 2·P[X ≤ min(b, c)]), X ~ Binomial(b + c, ½);
 * - a paired bootstrap 95 % interval of the accuracy difference (B − A),
 *   resampling tickets with a seeded generator so a comparison repeats exactly.
 */

export interface CompareItem {
  externalId: string;
  goldOutcome: string;
  outcome: string | null;
}

export interface Flip {
  externalId: string;
  gold: string;
  a: string | null;
  b: string | null;
  /** fixed: A wrong, B right; broke: A right, B wrong; changed: both wrong, differently. */
  kind: 'fixed' | 'broke' | 'changed';
}

export interface Comparison {
  paired: number;
  onlyA: number;
  onlyB: number;
  accuracyA: number;
  accuracyB: number;
  difference: number;
  /** A right, B wrong. */
  b: number;
  /** A wrong, B right. */
  c: number;
  mcnemarP: number;
  bootstrap: { low: number; high: number; samples: number; seed: number };
  flips: Flip[];
}

/** ln C(n, k), exact enough for n in the thousands. */
function lnChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(lnChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

/** mulberry32: small, fast, seeded; the interval must not change between runs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function bootstrapDifference(
  pairs: readonly (readonly [aRight: boolean, bRight: boolean])[],
  samples = 2000,
  seed = 11,
): { low: number; high: number; samples: number; seed: number } {
  const n = pairs.length;
  if (n === 0) return { low: 0, high: 0, samples, seed };
  const rand = seededRandom(seed);
  const diffs: number[] = [];
  for (let s = 0; s < samples; s++) {
    let d = 0;
    for (let i = 0; i < n; i++) {
      const p = pairs[Math.floor(rand() * n)];
      if (p) d += Number(p[1]) - Number(p[0]);
    }
    diffs.push(d / n);
  }
  diffs.sort((x, y) => x - y);
  const at = (q: number) => diffs[Math.min(samples - 1, Math.max(0, Math.floor(q * samples)))] ?? 0;
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return { low: r4(at(0.025)), high: r4(at(0.975)), samples, seed };
}

export function compareRuns(a: readonly CompareItem[], b: readonly CompareItem[]): Comparison {
  const byB = new Map(b.map((i) => [i.externalId, i]));
  const byA = new Set(a.map((i) => i.externalId));
  const pairs: (readonly [boolean, boolean])[] = [];
  const flips: Flip[] = [];
  let bc = 0;
  let cc = 0;
  for (const x of a) {
    const y = byB.get(x.externalId);
    if (!y) continue;
    const ar = x.outcome === x.goldOutcome;
    const br = y.outcome === x.goldOutcome;
    pairs.push([ar, br]);
    if (ar && !br) bc++;
    if (!ar && br) cc++;
    if (x.outcome !== y.outcome) {
      flips.push({
        externalId: x.externalId,
        gold: x.goldOutcome,
        a: x.outcome,
        b: y.outcome,
        kind: ar ? 'broke' : br ? 'fixed' : 'changed',
      });
    }
  }
  const n = pairs.length;
  const accA = n ? pairs.filter((p) => p[0]).length / n : 0;
  const accB = n ? pairs.filter((p) => p[1]).length / n : 0;
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    paired: n,
    onlyA: a.length - n,
    onlyB: b.filter((i) => !byA.has(i.externalId)).length,
    accuracyA: r4(accA),
    accuracyB: r4(accB),
    difference: r4(accB - accA),
    b: bc,
    c: cc,
    mcnemarP: r4(mcnemarExact(bc, cc)),
    bootstrap: bootstrapDifference(pairs),
    flips,
  };
}
