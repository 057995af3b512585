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
 * the verdict invalid, and a repair turn costs a whole call. `summary` caps
 * the sentence the code writes (`summaryOf`); the model no longer writes one.
 */
export const TEXT_CAPS = {
  evidence: 180,
  missing: 110,
  missingInformation: 160,
  reason: 220,
  note: 120,
  summary: 240,
} as const;

/**
 * The record_verdict tool input for one vocabulary: criterion, rule,
 * pattern, agent and category ids are enums read from the context files, so
 * the model cannot invent an id and failures land in closed categories.
 *
 * Terse on purpose (issue 12), because output tokens are the dearest part of
 * a verdict: the model never writes what the code computes (outcome and
 * score come from `applyPolicy`, the summary from `summaryOf`); results are
 * one enum per criterion id; the notes on criteria that are not met are maps
 * keyed by criterion id (what is missing; a short quote only when there is
 * one), not arrays of objects that repeat key names; and every list or map
 * may be left out when empty. `verdictFromTool` turns it into the stored
 * `Verdict`.
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
        .partialRecord(criterion, z.string().min(1).max(TEXT_CAPS.missing))
        .optional()
        .describe('criterion → what is missing; only partial or missing ones'),
      evidence: z
        .partialRecord(criterion, z.string().min(1).max(TEXT_CAPS.evidence))
        .optional()
        .describe('criterion → short verbatim quote; only partial or missing ones that have one'),
      missing_information: z
        .array(z.string().max(TEXT_CAPS.missingInformation))
        .max(10)
        .optional()
        .describe('gaps the notes do not cover'),
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
        .max(10)
        .optional(),
      attributions: z.array(attribution).max(10).optional(),
      patterns: z
        .array(
          enumOf(
            vocab.patterns.map((p) => p.id),
            'patterns',
          ),
        )
        .max(20)
        .optional(),
      confidence: z.number().min(0).max(1),
    })
    .describe('Leave out any list or map that would be empty.')
    .superRefine((v, ctx) => {
      for (const id of criterionIds) {
        if (!Object.hasOwn(v.results, id)) {
          ctx.addIssue({
            code: 'custom',
            path: ['results', id],
            message: `criterion "${id}" needs a result`,
          });
        }
      }
      for (const [i, a] of (v.attributions ?? []).entries()) {
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
  /** criterion id → what is missing (criteria partial or missing). */
  notes?: Partial<Record<string, string>> | undefined;
  /** criterion id → a short quote (criteria partial or missing). */
  evidence?: Partial<Record<string, string>> | undefined;
  missing_information?: string[] | undefined;
  escalations?: Verdict['escalations'] | undefined;
  attributions?: Verdict['attributions'] | undefined;
  patterns?: string[] | undefined;
  confidence: number;
}

const clip = (text: string, cap: number) =>
  [...text].length > cap ? `${[...text].slice(0, cap - 1).join('')}…` : text;

/**
 * The one-sentence summary for a team lead, written by the code from the
 * verdict's own fields instead of by the model (issue 12: ~16 output tokens
 * a verdict for a sentence the fields already say): the escalation and its
 * reason; else the criteria not met, auto-fail ones and then the heaviest
 * first, with what is missing on the first; else that every criterion that
 * applies is met.
 */
export function summaryOf(
  v: Pick<Verdict, 'criteria' | 'escalations'>,
  criteria: readonly Pick<Criterion, 'id' | 'weight' | 'autoFail'>[],
): string {
  const [first] = v.escalations;
  if (first) {
    const rules = [...new Set(v.escalations.map((e) => e.rule))].join(', ');
    return clip(`Escalated under ${rules}: ${first.reason}`, TEXT_CAPS.summary);
  }
  const rank = (id: string) => {
    const c = criteria.find((x) => x.id === id);
    return (c?.autoFail ? 1000 : 0) + (c?.weight ?? 0);
  };
  const unmet = v.criteria
    .filter((c) => c.result === 'partial' || c.result === 'missing')
    .sort((a, b) => rank(b.criterion) - rank(a.criterion));
  const [main] = unmet;
  if (!main) return 'Every criterion that applies is met.';
  const list = unmet.map((c) => `${c.criterion} ${c.result}`).join(', ');
  return clip(
    `Not met: ${list}.${main.missing ? ` ${main.criterion}: ${main.missing}` : ''}`,
    TEXT_CAPS.summary,
  );
}

/**
 * The stored verdict of a tool input: one criterion row per rubric criterion
 * in rubric order (evidence and missing text from the notes, empty for met
 * and n/a), missing information = the notes' "missing" lines and then the
 * model's own, deduplicated, and the code-written summary. Outcome and score
 * are placeholders until `applyPolicy` computes them.
 */
export function verdictFromTool(t: ToolVerdict, vocab: Vocabulary): Verdict {
  const noteOf = (map: ToolVerdict['notes'], id: string) =>
    (map && Object.hasOwn(map, id) ? map[id] : undefined) ?? '';
  const criteria = vocab.criteria.map((c) => {
    const result = (Object.hasOwn(t.results, c.id) ? t.results[c.id] : undefined) ?? 'missing';
    const unmet = result === 'partial' || result === 'missing';
    return {
      criterion: c.id,
      result,
      evidence: unmet ? noteOf(t.evidence, c.id) : '',
      missing: unmet ? noteOf(t.notes, c.id) : '',
    };
  });
  const missingInformation = [
    ...new Set(
      [...criteria.map((c) => c.missing), ...(t.missing_information ?? [])].filter(Boolean),
    ),
  ].slice(0, 30);
  const escalations = t.escalations ?? [];
  return {
    outcome: 'fail',
    score: 0,
    criteria,
    missing_information: missingInformation,
    escalations,
    attributions: t.attributions ?? [],
    patterns: t.patterns ?? [],
    confidence: t.confidence,
    summary: summaryOf({ criteria, escalations }, vocab.criteria),
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
