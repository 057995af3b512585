import type { Vocabulary } from '../context/vocab.js';
import type { GradeOutcome } from '../qc/grade.js';
import type { CandidateEvent } from './detect.js';

/**
 * The right answer a backtested ticket is judged against, taken from the
 * failure that made it a trigger: a team lead's override says what the
 * criterion or outcome should have been; a shadow disagreement says what the
 * strong model found; low confidence and schema errors are fixed when they no
 * longer happen. A control ticket's reference is its own current verdict: any
 * change to it counts against the proposal.
 */

export type Reference =
  | { kind: 'result'; criterion: string; expected: string; source: 'override' | 'shadow' }
  | { kind: 'outcome'; expected: string; source: 'override' }
  | { kind: 'confident' }
  | { kind: 'valid_first_time' }
  | { kind: 'stable'; was?: string }
  /** A ticket a pattern was mined from: fixed when the grader names the pattern (issue 11 point 6). */
  | { kind: 'pattern'; pattern: string }
  | { kind: 'none'; why: string };

export interface Side {
  outcome: string;
  score: number;
  confidence: number;
  model: string;
  /** The implicated criterion's result, when the category is a criterion. */
  result?: string;
  tierReason?: string;
  repaired: boolean;
  /** Known patterns the verdict named (kept only when a pattern is the reference). */
  patterns?: string[];
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

export function referenceOf(
  category: string,
  events: CandidateEvent[],
  vocab: Vocabulary,
): Reference {
  if (events.length === 0) return { kind: 'stable' };
  // The latest word on a ticket wins (a second override corrects the first).
  for (const e of [...events].reverse()) {
    const d = e.details;
    if (d.kind === 'override') {
      const to = str(d.to);
      const criterion = str(d.criterion);
      if (to && criterion) return { kind: 'result', criterion, expected: to, source: 'override' };
      if (to) return { kind: 'outcome', expected: to, source: 'override' };
    }
    // A shadow disagreement reaches a backtest only once settled (chief/pass.ts):
    // the settled answer, not Sonnet's, is the reference.
    if (d.kind === 'shadow_disagreement' && str(d.expected ?? d.strong)) {
      return {
        kind: 'result',
        criterion: category,
        expected: String(d.expected ?? d.strong),
        source: 'shadow',
      };
    }
    if (d.kind === 'mined_pattern' && str(d.pattern))
      return { kind: 'pattern', pattern: String(d.pattern) };
    if (d.kind === 'low_confidence') return { kind: 'confident' };
    if (d.kind === 'schema_invalid') return { kind: 'valid_first_time' };
  }
  const isId = vocab.criteria.some((c) => c.id === category);
  return {
    kind: 'none',
    why: isId
      ? 'no override or shadow verdict says what the result should be'
      : `no failure on this ticket says what the right answer for \`${category}\` is`,
  };
}

/** `criterion`: the one whose result is compared (the reference's, or the category's). */
export function sideOf(
  out: GradeOutcome,
  criterion: string | undefined,
  withPatterns = false,
): Side {
  const v = out.verdict;
  const result = criterion ? v.criteria.find((c) => c.criterion === criterion)?.result : undefined;
  return {
    outcome: v.outcome,
    score: v.score,
    confidence: v.confidence,
    model: out.model,
    ...(result ? { result } : {}),
    ...(out.tierReason ? { tierReason: out.tierReason } : {}),
    repaired: out.failures.some((f) => f.category === 'schema_invalid'),
    ...(withPatterns ? { patterns: v.patterns } : {}),
  };
}

function correct(ref: Reference, s: Side): boolean | undefined {
  switch (ref.kind) {
    case 'result':
      return s.result === ref.expected;
    case 'outcome':
      return s.outcome === ref.expected;
    case 'confident':
      return s.tierReason !== 'low_confidence';
    case 'pattern':
      return s.patterns?.includes(ref.pattern) ?? false;
    case 'valid_first_time':
      return !s.repaired && s.tierReason !== 'schema_invalid';
    default:
      return undefined;
  }
}

export function statusOf(
  ref: Reference,
  before: Side,
  after: Side,
): 'fixed' | 'unchanged' | 'regressed' {
  if (ref.kind === 'stable') {
    return before.outcome === after.outcome && before.result === after.result
      ? 'unchanged'
      : 'regressed';
  }
  const b = correct(ref, before);
  const a = correct(ref, after);
  if (b === undefined || a === undefined) return 'unchanged';
  if (!b && a) return 'fixed';
  if (b && !a) return 'regressed';
  return 'unchanged';
}
