import type { SecondOpinionSettings } from '../config.js';
import type { Pool } from '../db/pool.js';
import { type RuleAgreement, ruleAgreement } from '../db/second-opinions.js';

/**
 * Second opinions earned, not automatic (issue 12). An escalation rule that
 * asks for a second opinion sends the ticket to the strong model every time
 * until the strong model has kept the base model's outcome often enough to
 * trust it: while the Wilson lower bound of the outcome agreement over the
 * rule's last `window` second opinions (at least `minSamples` of them, since
 * its latest reset) is at or above `threshold`, a second opinion is asked
 * with probability `sampleRate` only. A disagreement in a sample lowers the
 * bound (below the threshold → always-on again); a reviewer-confirmed one
 * resets the rule's history (src/decisions/overrides.ts). Rules in
 * `alwaysOn` (security, data loss) never sample.
 */
export type { SecondOpinionSettings };

/**
 * Wilson score interval, lower end: the agreement rate we are confident the
 * rule has at least. With z = 1.645, 52 agreements out of 52 give 0.950;
 * 30 out of 30 give only 0.917, so the minimum count alone is never enough.
 */
export function wilsonLower(agreed: number, n: number, z: number): number {
  if (n <= 0) return 0;
  const p = agreed / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return (centre - margin) / (1 + z2 / n);
}

export interface RulePolicy {
  rule: string;
  n: number;
  agreed: number;
  lowerBound: number;
  /** 1 = always-on. */
  rate: number;
  pinned: boolean;
}

export function policyFor(
  rule: string,
  stats: RuleAgreement | undefined,
  s: SecondOpinionSettings,
): RulePolicy {
  const n = stats?.n ?? 0;
  const agreed = stats?.agreed ?? 0;
  const lowerBound = wilsonLower(agreed, n, s.z);
  const pinned = s.alwaysOn.includes(rule);
  const earned = !pinned && n >= s.minSamples && lowerBound >= s.threshold;
  return { rule, n, agreed, lowerBound, rate: earned ? s.sampleRate : 1, pinned };
}

const REFRESH_MS = 10_000;
const cached = new WeakMap<Pool, { at: number; stats: Promise<RuleAgreement[]> }>();

/**
 * The sample rate per rule, from the database; re-read at most every 10 s
 * per pool so a busy worker does not query per ticket.
 */
export async function secondOpinionRates(
  pool: Pool,
  s: SecondOpinionSettings,
  now = Date.now(),
): Promise<(rule: string) => number> {
  let hit = cached.get(pool);
  if (!hit || now - hit.at > REFRESH_MS) {
    hit = { at: now, stats: ruleAgreement(pool, s.window) };
    cached.set(pool, hit);
    // A failed read is not cached: the next ticket tries again.
    hit.stats.catch(() => cached.delete(pool));
  }
  const byRule = new Map((await hit.stats).map((r) => [r.rule, r]));
  return (rule) => policyFor(rule, byRule.get(rule), s).rate;
}

/** Forgets the cached rates of a pool (after a reset, and in tests). */
export function forgetSecondOpinionRates(pool: Pool): void {
  cached.delete(pool);
}
