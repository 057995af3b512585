import { RESULTS } from '../context/verdict.js';
import type { ShadowRow } from '../db/costs.js';
import { cohenKappa, confusionOf } from './kappa.js';

/** The statistics behind the quality numbers: agreement, Cohen's κ, Wilson intervals, the routing verdict. */

/** Wilson score interval for a proportion (95% by default): honest at small n and near 0 or 1. */
function wilson(successes: number, n: number, z = 1.96): { low: number; high: number } | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export interface CriterionAgreement {
  criterion: string;
  compared: number;
  agreed: number;
  kappa: number | undefined;
}

/**
 * Per-criterion agreement and κ between the cheap and the strong model, over
 * shadow samples only: they are drawn at random, while tier-ups are the hard
 * cases and would make the cheap model look worse than it is on average.
 */
export function shadowAgreement(rows: ShadowRow[]): {
  perCriterion: CriterionAgreement[];
  kappa: number | undefined;
  samples: number;
} {
  const shadows = rows.filter((r) => r.kind === 'shadow');
  const pairs = new Map<string, [string, string][]>();
  for (const r of shadows) {
    for (const c of r.cheap) {
      const other = r.strong.find((x) => x.criterion === c.criterion);
      if (!other) continue;
      const list = pairs.get(c.criterion) ?? [];
      list.push([other.result, c.result]);
      pairs.set(c.criterion, list);
    }
  }
  const perCriterion = [...pairs.entries()]
    .map(([criterion, list]) => ({
      criterion,
      compared: list.length,
      agreed: list.filter(([a, b]) => a === b).length,
      kappa: cohenKappa(confusionOf(list, RESULTS).counts),
    }))
    .sort((a, b) => a.agreed / a.compared - b.agreed / b.compared);
  const all = [...pairs.values()].flat();
  return {
    perCriterion,
    kappa: all.length ? cohenKappa(confusionOf(all, RESULTS).counts) : undefined,
    samples: shadows.length,
  };
}

export const MIN_SAMPLE = 30;
const ACCEPT_WORKS = 0.8;
const REJECT_FAILS = 0.4;

export interface RoutingVerdict {
  verdict: 'works' | 'does not work' | 'inconclusive';
  accepted: number;
  reviewed: number;
  acceptance: number | null;
  interval: { low: number; high: number } | null;
  why: string;
}

/**
 * The rule of thumb: a stronger model accepting 80%+ of the cheap model's
 * work means routing works; rejecting over 40% means it does not; between,
 * or with fewer than MIN_SAMPLE reviews, the data cannot say.
 */
export function routingVerdict(accepted: number, reviewed: number): RoutingVerdict {
  const acceptance = reviewed ? accepted / reviewed : null;
  const interval = wilson(accepted, reviewed);
  const base = { accepted, reviewed, acceptance, interval };
  if (reviewed < MIN_SAMPLE || acceptance === null) {
    return {
      ...base,
      verdict: 'inconclusive',
      why: `Only ${reviewed} of the cheap model's verdicts were re-graded by the strong model; at least ${MIN_SAMPLE} are needed`,
    };
  }
  if (acceptance >= ACCEPT_WORKS) {
    return {
      ...base,
      verdict: 'works',
      why: `The strong model accepts ${Math.round(100 * acceptance)}% of the cheap model's verdicts (80% or more: routing works)`,
    };
  }
  if (1 - acceptance > REJECT_FAILS) {
    return {
      ...base,
      verdict: 'does not work',
      why: `The strong model rejects ${Math.round(100 * (1 - acceptance))}% of the cheap model's verdicts (over 40%: the cheap model is not good enough)`,
    };
  }
  return {
    ...base,
    verdict: 'inconclusive',
    why: `The strong model accepts ${Math.round(100 * acceptance)}%: between the 60% and 80% marks`,
  };
}
