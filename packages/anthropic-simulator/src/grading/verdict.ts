import { hashUnit } from '../prng.js';
import type { Schema } from '../schema-core.js';
import { conform } from '../schema-instance.js';
import { isObject } from '../wire.js';
import { CRITERION_RULES, type Judgment, judgment, type Result } from './criteria.js';
import { classification, noSecrets } from './criteria-fields.js';
import { buildFacts, type Facts } from './facts.js';
import { outcomeOf } from './score.js';
import { findEscalations, findPatterns } from './signals.js';
import { parseTicket } from './ticket.js';
import { findAttributions } from './triage.js';
import { readVocab, resultsProperties, type Vocab } from './vocab.js';

/**
 * Assembles a record_verdict input: judge every criterion the schema names,
 * apply noise, score, decide the outcome (the rubric's rule: escalate, then
 * auto-fail, then the pass mark, all read from the prompt), estimate confidence and
 * write the summary. The result is conformed to the sent input_schema.
 */

export interface GradeRequest {
  ticketText: string | undefined;
  schema: Schema;
  system: string;
  modelId: string;
  /** Share of criterion judgments to flip (already adjusted for the model). */
  noise: number;
  seed: number;
  strongModel: boolean;
}

const RULES: Record<string, (f: Facts) => Judgment> = {
  ...CRITERION_RULES,
  classification,
  no_secrets: noSecrets,
};

/** Deterministic per (ticket, criterion, model, seed): met↔missing, partial→met or missing. */
function flip(j: Judgment, unit: number): Judgment {
  const to: Result =
    j.result === 'met'
      ? 'missing'
      : j.result === 'missing'
        ? 'met'
        : unit < 0.5
          ? 'met'
          : 'missing';
  return {
    result: to,
    evidence: to === 'missing' ? '' : j.evidence,
    missing: to === 'met' ? '' : j.missing || 'Not clearly documented.',
  };
}

function judgeAll(v: Vocab, f: Facts, req: GradeRequest): Map<string, Judgment> {
  const out = new Map<string, Judgment>();
  for (const id of v.criteria) {
    let j = (RULES[id] ?? (() => judgment('n/a')))(f);
    if (!v.results.includes(j.result))
      j = { ...j, result: (v.results[0] as Result | undefined) ?? 'met' };
    const unit = hashUnit(req.seed, req.modelId, f.t.key, id);
    if (j.result !== 'n/a' && unit < req.noise) j = flip(j, hashUnit(req.seed, f.t.key, id, 'to'));
    out.set(id, j);
  }
  return out;
}

function confidenceOf(
  f: Facts,
  results: Map<string, Judgment>,
  score: number,
  passThreshold: number,
  req: GradeRequest,
  cannotJudge: boolean,
): number {
  let c = 0.9;
  if (f.t.threadIncomplete) c -= 0.3;
  if (!f.t.parsed) c -= 0.15;
  if (f.totalWords < 40) c -= 0.25;
  if (f.totalWords < 15) c -= 0.15;
  const partials = [...results.values()].filter((j) => j.result === 'partial').length;
  if (partials >= 4) c -= 0.1;
  const mixed =
    results.get('resolution_verified')?.result === 'met' &&
    f.customerComments.some((x) => /still|again/i.test(x.body));
  if (mixed) c -= 0.2;
  if (Math.abs(score - passThreshold) <= 5) c -= 0.1;
  if (req.strongModel) c += 0.03;
  if (cannotJudge) c = Math.min(c, 0.3);
  return Math.round(Math.min(0.97, Math.max(0.05, c)) * 100) / 100;
}

export function gradeTicket(req: GradeRequest): Record<string, unknown> {
  const vocab = readVocab(req.schema, req.system);
  const f = buildFacts(parseTicket(req.ticketText));
  const results = judgeAll(vocab, f, req);
  const judged = [...results].map(([id, j]) => [id, j.result] as const);
  // Escalation rules see whether the ticket fails the rubric (the VIP rule needs it).
  const { score, autoFailed, failing } = outcomeOf(judged, false, vocab);
  const escalations = findEscalations(vocab.rules, f, failing);
  const patterns = findPatterns(vocab.patterns, f, results, req.system);
  const attributions = findAttributions(vocab.agents, f);
  const { outcome } = outcomeOf(judged, escalations.length > 0, vocab);
  const cannotJudge = escalations.some((e) => e.rule === 'cannot_judge');
  const missingInformation = [
    ...new Set([...results.values()].map((j) => j.missing).filter(Boolean)),
  ];
  if (f.t.threadIncomplete)
    missingInformation.push('The comment thread is incomplete; some history could not be read.');
  const counts = { met: 0, partial: 0, missing: 0, 'n/a': 0 } as Record<string, number>;
  for (const j of results.values()) counts[j.result] = (counts[j.result] ?? 0) + 1;
  const name = f.t.externalId ? `Ticket ${f.t.externalId}` : 'The ticket';
  const why =
    outcome === 'escalate'
      ? `escalated for ${escalations.map((e) => e.rule).join(', ')}`
      : autoFailed.length > 0
        ? `failed on auto-fail criterion ${autoFailed.join(', ')}`
        : outcome;
  const sentences = [
    `${name}${f.t.subject ? ` ("${f.t.subject.slice(0, 80)}")` : ''} scores ${score}/100 and is ${why}.`,
    `${counts.met} criteria met, ${counts.partial} partial, ${counts.missing} missing, ${counts['n/a']} not applicable.`,
    missingInformation.length > 0 ? `Main gap: ${missingInformation[0]}` : 'No gaps found.',
    patterns.length > 0 ? `Known patterns: ${patterns.join(', ')}.` : '',
  ].filter(Boolean);
  const terse = resultsProperties(req.schema) !== undefined;
  if (terse) {
    const unmet = [...results].filter(([, j]) => j.result === 'partial' || j.result === 'missing');
    const verdict: Record<string, unknown> = {
      results: Object.fromEntries([...results].map(([id, j]) => [id, j.result])),
      // Notes keyed by criterion (issue 12) or, in the older terse shape, a list of objects.
      notes: keyedNotes(req.schema)
        ? Object.fromEntries(unmet.filter(([, j]) => j.missing).map(([id, j]) => [id, j.missing]))
        : unmet.map(([criterion, j]) => ({ criterion, evidence: j.evidence, missing: j.missing })),
      evidence: Object.fromEntries(
        unmet.filter(([, j]) => j.evidence).map(([id, j]) => [id, j.evidence]),
      ),
      // Gaps beyond the criteria's own notes only.
      missing_information: f.t.threadIncomplete
        ? ['The comment thread is incomplete; some history could not be read.']
        : [],
      escalations,
      attributions,
      patterns,
      confidence: confidenceOf(f, results, score, vocab.passThreshold, req, cannotJudge),
    };
    if (hasProperty(req.schema, 'summary')) {
      // A schema that still asks for a summary gets one sentence: why, in the
      // words a model would, and stop.
      const gap = missingInformation[0];
      const why = escalations.length
        ? `Escalated for ${escalations.map((e) => e.rule).join(', ')}`
        : autoFailed.length
          ? `Fails on ${autoFailed.join(', ')}`
          : gap
            ? `Main gap: ${gap.replace(/\.$/, '')}`
            : 'No gaps found';
      const cap = summaryCap(req.schema);
      const sentence = `${why}.`;
      verdict.summary =
        cap !== undefined && sentence.length > cap ? `${sentence.slice(0, cap - 1)}…` : sentence;
    }
    return conform(omitEmptyOptional(verdict, req.schema), req.schema, req.schema) as Record<
      string,
      unknown
    >;
  }
  const summary = sentences.join(' ');
  const verdict = {
    outcome,
    score,
    criteria: [...results].map(([criterion, j]) => ({
      criterion,
      result: j.result,
      evidence: j.evidence,
      missing: j.missing,
    })),
    missing_information: missingInformation,
    escalations,
    attributions,
    patterns,
    confidence: confidenceOf(f, results, score, vocab.passThreshold, req, cannotJudge),
    summary,
  };
  return conform(verdict, req.schema, req.schema) as Record<string, unknown>;
}

function hasProperty(schema: Schema, key: string): boolean {
  return isObject(schema.properties) && Object.hasOwn(schema.properties, key);
}

/** The notes property is a map keyed by criterion id (an object), not a list. */
function keyedNotes(schema: Schema): boolean {
  const notes = isObject(schema.properties) ? schema.properties.notes : undefined;
  return isObject(notes) && notes.type === 'object';
}

/**
 * What a model does with a schema whose lists and maps are optional and that
 * says to leave them out when empty: the JSON it writes has no `"patterns":[]`.
 * Properties the schema does not know are dropped too (`conform` would), and
 * required ones are always written. The reply's output tokens are counted
 * from what remains.
 */
function omitEmptyOptional(v: Record<string, unknown>, schema: Schema): Record<string, unknown> {
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v)) {
    if (!hasProperty(schema, key)) continue;
    const empty =
      (Array.isArray(value) && value.length === 0) ||
      (isObject(value) && Object.keys(value).length === 0);
    if (empty && !required.has(key)) continue;
    out[key] = value;
  }
  return out;
}

function summaryCap(schema: Schema): number | undefined {
  const props = schema.properties as Record<string, { maxLength?: unknown }> | undefined;
  const max = props?.summary?.maxLength;
  return typeof max === 'number' ? max : undefined;
}
