import { isObject } from './wire.js';

/**
 * The `allNa` fault: a verdict that marks every criterion `n/a` — auto-fail
 * ones included — and still claims pass, score 100 and high confidence. It
 * is what a confused or manipulated grader returns for a ticket it did not
 * really read; the product must never store it as a pass. Inputs without a
 * `criteria` array or `results` object (other tools) are returned unchanged.
 */
export function allNaInput(input: unknown): unknown {
  if (isObject(input) && isObject(input.results)) {
    // The terse shape (results by criterion id; the product computes outcome and score):
    // no notes, no quotes, nothing escalated; lists the input had stay, emptied.
    const { notes, evidence: _evidence, ...rest } = input;
    const emptied = ['missing_information', 'escalations', 'attributions', 'patterns'].filter(
      (k) => k in input,
    );
    return {
      ...rest,
      ...(Array.isArray(notes) ? { notes: [] } : {}),
      ...Object.fromEntries(emptied.map((k) => [k, []])),
      results: Object.fromEntries(Object.keys(input.results).map((id) => [id, 'n/a'])),
      confidence: 0.95,
      ...('summary' in input
        ? { summary: 'Every criterion is not applicable to this ticket.' }
        : {}),
    };
  }
  if (!isObject(input) || !Array.isArray(input.criteria)) return input;
  return {
    ...input,
    outcome: 'pass',
    score: 100,
    criteria: input.criteria.map((c) =>
      isObject(c) ? { ...c, result: 'n/a', evidence: '', missing: '' } : c,
    ),
    missing_information: [],
    escalations: [],
    attributions: [],
    patterns: [],
    confidence: 0.95,
    summary: 'Every criterion is not applicable to this ticket, so it passes with 100.',
  };
}
