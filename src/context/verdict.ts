import { z } from 'zod';
import { type Criterion, DEFAULT_PASS_THRESHOLD } from './parse.js';
import type { Vocabulary } from './vocab.js';

export const RESULTS = ['met', 'partial', 'missing', 'n/a'] as const;
export type CriterionResult = (typeof RESULTS)[number];
export const OUTCOMES = ['pass', 'fail', 'escalate'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface Verdict {
  outcome: Outcome;
  score: number;
  criteria: { criterion: string; result: CriterionResult; evidence: string; missing: string }[];
  missing_information: string[];
  escalations: { rule: string; reason: string }[];
  attributions: { agent: string; category: string; note: string }[];
  patterns: string[];
  confidence: number;
  summary: string;
}

function enumOf(values: string[], what: string) {
  if (values.length === 0) throw new Error(`the context defines no ${what}`);
  return z.enum(values as [string, ...string[]]);
}

/**
 * Length caps of the free text in a verdict, in characters: about 1.2 × the
 * longest text of each field measured on the examples (`npm run bench --
 * cost` prints the p99 and maximum; issue 12), so a full clause with a short
 * quote fits and padding does not. Not tighter: a text over its cap makes
 * the verdict invalid, and a repair turn costs a whole call.
 */
export const TEXT_CAPS = {
  evidence: 180,
  missing: 120,
  missingInformation: 160,
  reason: 240,
  note: 120,
  summary: 150,
} as const;

/**
 * The record_verdict tool input for one vocabulary: criterion, rule,
 * pattern, agent and category ids are enums read from the context files, so
 * the model cannot invent an id and failures land in closed categories.
 *
 * Terse on purpose (issue 12): the model never writes what the code computes
 * (outcome and score come from `applyPolicy`), results are one enum per
 * criterion id, and evidence and "missing" text come only for criteria that
 * are not met. `verdictFromTool` turns it into the stored `Verdict`.
 */
export function buildVerdictSchema(vocab: Vocabulary) {
  const criterionIds = vocab.criteria.map((c) => c.id);
  const criterion = enumOf(criterionIds, 'criteria');
  const agents = Object.keys(vocab.agents).sort();
  const categories = [...new Set(agents.flatMap((a) => vocab.agents[a] ?? []))].sort();
  const attribution =
    agents.length > 0
      ? z.object({
          agent: enumOf(agents, 'agents'),
          category: enumOf(categories, 'categories').describe("one of that agent's categories"),
          note: z.string().max(TEXT_CAPS.note).describe('what that agent missed'),
        })
      : z.never();

  return z
    .object({
      results: z
        .object(Object.fromEntries(criterionIds.map((id) => [id, z.enum(RESULTS)])))
        .strict()
        .describe('one result per rubric criterion'),
      notes: z
        .array(
          z.object({
            criterion,
            evidence: z.string().max(TEXT_CAPS.evidence).describe('short quote, or empty'),
            missing: z.string().max(TEXT_CAPS.missing).describe('what is missing'),
          }),
        )
        .max(criterionIds.length)
        .describe('only for criteria that are partial or missing'),
      missing_information: z
        .array(z.string().max(TEXT_CAPS.missingInformation))
        .max(10)
        .describe('gaps not already in notes; usually empty'),
      escalations: z
        .array(
          z.object({
            rule: enumOf(
              vocab.rules.map((r) => r.id),
              'escalation rules',
            ),
            reason: z.string().min(1).max(TEXT_CAPS.reason),
          }),
        )
        .max(10),
      attributions: z.array(attribution).max(10),
      patterns: z
        .array(
          enumOf(
            vocab.patterns.map((p) => p.id),
            'patterns',
          ),
        )
        .max(20),
      confidence: z.number().min(0).max(1),
      summary: z.string().min(1).max(TEXT_CAPS.summary).describe('one sentence'),
    })
    .superRefine((v, ctx) => {
      const seen = new Set<string>();
      for (const [i, n] of v.notes.entries()) {
        if (seen.has(n.criterion)) {
          ctx.addIssue({
            code: 'custom',
            path: ['notes', i, 'criterion'],
            message: `criterion "${n.criterion}" has more than one note`,
          });
        }
        seen.add(n.criterion);
      }
      for (const id of criterionIds) {
        if (!Object.hasOwn(v.results, id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['results', id],
            message: `criterion "${id}" needs a result`,
          });
        }
      }
      for (const [i, a] of v.attributions.entries()) {
        if (!(vocab.agents[a.agent] ?? []).includes(a.category)) {
          ctx.addIssue({
            code: 'custom',
            path: ['attributions', i, 'category'],
            message: `"${a.category}" is not a category of agent "${a.agent}"`,
          });
        }
      }
    });
}
export type VerdictSchema = ReturnType<typeof buildVerdictSchema>;

/** What the model sends through record_verdict (see `buildVerdictSchema`). */
export interface ToolVerdict {
  results: Record<string, CriterionResult>;
  notes: { criterion: string; evidence: string; missing: string }[];
  missing_information: string[];
  escalations: Verdict['escalations'];
  attributions: Verdict['attributions'];
  patterns: string[];
  confidence: number;
  summary: string;
}

/**
 * The stored verdict of a tool input: one criterion row per rubric criterion
 * in rubric order (evidence and missing text from the notes, empty for met
 * and n/a), missing information = the notes' "missing" lines and then the
 * model's own, deduplicated. Outcome and score are placeholders until
 * `applyPolicy` computes them.
 */
export function verdictFromTool(t: ToolVerdict, vocab: Vocabulary): Verdict {
  const notes = new Map(t.notes.map((n) => [n.criterion, n]));
  const criteria = vocab.criteria.map((c) => {
    const result = (Object.hasOwn(t.results, c.id) ? t.results[c.id] : undefined) ?? 'missing';
    const note = result === 'met' || result === 'n/a' ? undefined : notes.get(c.id);
    return {
      criterion: c.id,
      result,
      evidence: note?.evidence ?? '',
      missing: note?.missing ?? '',
    };
  });
  const missingInformation = [
    ...new Set([...criteria.map((c) => c.missing), ...t.missing_information].filter(Boolean)),
  ].slice(0, 30);
  return {
    outcome: 'fail',
    score: 0,
    criteria,
    missing_information: missingInformation,
    escalations: t.escalations,
    attributions: t.attributions,
    patterns: t.patterns,
    confidence: t.confidence,
    summary: t.summary,
  };
}

/** The JSON schema sent as the tool's input_schema; deterministic for a vocabulary. */
export function verdictJsonSchema(schema: VerdictSchema): Record<string, unknown> {
  const json = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}

/** zod issues as `path: message` lines, for logs, repair turns and failure details. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

/** The criteria the score is taken over: their weights and auto-fail flags (rubric.md). */
type ScoredCriterion = Pick<Criterion, 'id' | 'weight' | 'autoFail'>;
type Results = Readonly<Record<string, CriterionResult | undefined>>;

/** A criterion's result; absent (never inherited from Object.prototype) counts as missing. */
const resultOf = (results: Results, id: string): CriterionResult =>
  (Object.hasOwn(results, id) ? results[id] : undefined) ?? 'missing';

/**
 * The rubric's score: weighted mean with met 1, partial 0.5, missing 0, `n/a`
 * left out (an absent result counts as missing), rounded half up; 0 when no
 * criterion applies (such a verdict is not a grade: see `applyPolicy`).
 */
export function scoreOf(results: Results, criteria: readonly ScoredCriterion[]): number {
  let got = 0;
  let total = 0;
  for (const c of criteria) {
    const r = resultOf(results, c.id);
    if (r === 'n/a') continue;
    total += c.weight;
    got += r === 'met' ? c.weight : r === 'partial' ? c.weight / 2 : 0;
  }
  return total > 0 ? Math.round((100 * got) / total) : 0;
}

/**
 * The rubric's outcome, in order: any escalation → escalate; an auto-fail
 * criterion partial or missing → fail; score below the pass threshold → fail;
 * otherwise pass.
 */
export function outcomeOf(
  results: Results,
  escalated: boolean,
  criteria: readonly ScoredCriterion[],
  passThreshold = DEFAULT_PASS_THRESHOLD,
): { score: number; outcome: Outcome } {
  const score = scoreOf(results, criteria);
  const autoFailed = criteria.some((c) => {
    const r = resultOf(results, c.id);
    return c.autoFail && r !== 'met' && r !== 'n/a';
  });
  const outcome: Outcome = escalated
    ? 'escalate'
    : autoFailed || score < passThreshold
      ? 'fail'
      : 'pass';
  return { score, outcome };
}

/** The escalation rule a verdict gets when the rubric cannot judge the ticket. */
const CANNOT_JUDGE = 'cannot_judge';

/**
 * Why these results are not a grade (rubric.md, How to score): `n/a` on a
 * criterion that is never n/a (every auto-fail one), or fewer applicable
 * criteria than the rubric's minimum. Empty when they are a grade.
 */
function notAGrade(results: Results, vocab: Vocabulary): string[] {
  const refusedNa: string[] = [];
  let applicable = 0;
  for (const c of vocab.criteria) {
    const r = resultOf(results, c.id);
    if (r !== 'n/a') applicable++;
    else if (!c.naAllowed) refusedNa.push(c.id);
  }
  const problems: string[] = [];
  if (refusedNa.length > 0) {
    problems.push(`n/a given for ${refusedNa.join(', ')}, which the rubric never allows`);
  }
  if (applicable < vocab.minApplicable) {
    problems.push(
      `only ${applicable} of ${vocab.criteria.length} criteria applicable; the rubric needs at least ${vocab.minApplicable}`,
    );
  }
  return problems;
}

/**
 * Applies the rubric's arithmetic in code rather than trusting the model's:
 * `outcomeOf` over the verdict's criterion results (first result per id).
 *
 * A verdict that is not a grade (`notAGrade`) is escalated under
 * `cannot_judge` with confidence 0 — which also sends it to the strong
 * model — and can never pass: an all-`n/a` verdict used to become pass / 100.
 */
export function applyPolicy(
  v: Verdict,
  vocab: Vocabulary,
  passThreshold = DEFAULT_PASS_THRESHOLD,
): Verdict {
  const results: Record<string, CriterionResult> = {};
  for (const c of [...v.criteria].reverse()) results[c.criterion] = c.result; // first one wins
  const problems = notAGrade(results, vocab);
  if (problems.length === 0) {
    return { ...v, ...outcomeOf(results, v.escalations.length > 0, vocab.criteria, passThreshold) };
  }
  const reason = `Not a grade: ${problems.join('; ')}. A reviewer must grade this ticket.`;
  const canEscalate = vocab.rules.some((r) => r.id === CANNOT_JUDGE);
  const escalations =
    canEscalate && !v.escalations.some((e) => e.rule === CANNOT_JUDGE)
      ? [...v.escalations, { rule: CANNOT_JUDGE, reason }]
      : v.escalations;
  return {
    ...v,
    score: scoreOf(results, vocab.criteria),
    // Without a cannot_judge rule in the context there is nobody to escalate
    // to; failing is the closed side, passing never is.
    outcome: escalations.length > 0 ? 'escalate' : 'fail',
    escalations,
    confidence: 0,
    missing_information: [reason, ...v.missing_information].slice(0, 30),
  };
}
