import { buildFacts } from './facts.js';
import { outcomeOf } from './score.js';
import { findHit, quote } from './text.js';
import { parseTicket } from './ticket.js';
import { readPassThreshold, readRubric } from './vocab.js';

/**
 * Context the grader honours beyond Weight and Auto-fail lines: a criterion
 * section of rubric.md may list phrases that show the criterion is met,
 *
 *     ## `root_cause` — Root cause identified
 *     Weight: 10
 *     Counts as met: "was the problem", "turned out to be"
 *
 * and a ticket whose subject, description, comments or time-entry notes
 * contain one of them (case-insensitive) gets `met` for that criterion, with
 * the sentence as evidence — the way a real model follows an explicit rule
 * in its context. The phrases are real context content (a reviewer or the
 * chief of staff writes them); nothing here reads gold labels. A stated rule
 * beats the simulator's keyword heuristics and its noise. Score and outcome
 * are recomputed after the change.
 */

const COUNTS_AS_MET = /^\s*(?:[-*]\s*)?Counts as met:\s*(.+)$/i;
const HEADING = /^##\s+`([a-z][a-z0-9_]*)`/;
const QUOTED = /"([^"\n]{3,120})"|“([^”\n]{3,120})”/g;

/** criterion id → phrases, read from every `## \`id\`` section of the system text. */
function readMetPhrases(system: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string | undefined;
  for (const line of system.split(/\r?\n/)) {
    const h = HEADING.exec(line);
    if (h?.[1]) {
      current = h[1];
      continue;
    }
    if (line.startsWith('#')) current = undefined;
    const m = current ? COUNTS_AS_MET.exec(line) : null;
    if (!current || !m?.[1]) continue;
    const phrases = [...m[1].matchAll(QUOTED)].map((x) => (x[1] ?? x[2] ?? '').trim());
    out.set(current, [...(out.get(current) ?? []), ...phrases.filter(Boolean)]);
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

interface VerdictShape {
  outcome?: unknown;
  score?: unknown;
  criteria?: { criterion: string; result: string; evidence: string; missing: string }[];
  escalations?: unknown[];
  missing_information?: string[];
}

/** Applies `Counts as met` phrases to a graded verdict; returns it unchanged when none apply. */
export function applyMetPhrases(
  verdict: Record<string, unknown>,
  system: string,
  ticketText: string | undefined,
): Record<string, unknown> {
  const phrases = readMetPhrases(system);
  const v = verdict as VerdictShape;
  if (phrases.size > 0 && isTerse(verdict)) return applyToTerse(verdict, phrases, ticketText);
  if (phrases.size === 0 || !Array.isArray(v.criteria)) return verdict;
  const f = buildFacts(parseTicket(ticketText));
  const texts = [
    f.t.subject,
    f.t.description,
    ...f.t.comments.map((c) => c.body),
    ...f.t.timeEntries.map((e) => e.note),
  ];
  let changed = false;
  const dropped: string[] = [];
  const criteria = v.criteria.map((c) => {
    const list = phrases.get(c.criterion);
    if (!list || c.result === 'met') return c;
    for (const p of list) {
      const hit = findHit(texts, new RegExp(escapeRe(p), 'i'), { negatable: true });
      if (hit) {
        changed = true;
        if (c.missing) dropped.push(c.missing);
        return { ...c, result: 'met', evidence: quote(hit), missing: '' };
      }
    }
    return c;
  });
  if (!changed) return verdict;
  const { weights, autoFail } = readRubric(system);
  const { score, outcome } = outcomeOf(
    criteria.map((c) => [c.criterion, c.result] as const),
    (v.escalations?.length ?? 0) > 0,
    { weights, autoFail, passThreshold: readPassThreshold(system) },
  );
  return {
    ...verdict,
    criteria,
    score,
    outcome,
    missing_information: (v.missing_information ?? []).filter((m) => !dropped.includes(m)),
  };
}

interface TerseShape {
  results: Record<string, string>;
  /** A list of per-criterion objects, or (since issue 12) a map keyed by criterion id. */
  notes?: { criterion: string }[] | Record<string, string>;
  evidence?: Record<string, string>;
}

/** A criterion-keyed map without the given keys; left out when nothing remains. */
function without(map: Record<string, string> | undefined, ids: Set<string>) {
  if (!map) return undefined;
  const kept = Object.fromEntries(Object.entries(map).filter(([id]) => !ids.has(id)));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

function isTerse(v: Record<string, unknown>): v is Record<string, unknown> & TerseShape {
  return typeof v.results === 'object' && v.results !== null && !Array.isArray(v.results);
}

function ticketTexts(ticketText: string | undefined): string[] {
  const f = buildFacts(parseTicket(ticketText));
  return [
    f.t.subject,
    f.t.description,
    ...f.t.comments.map((c) => c.body),
    ...f.t.timeEntries.map((e) => e.note),
  ];
}

/** The terse shape (results by id, notes for unmet criteria): no score or outcome to redo. */
function applyToTerse(
  verdict: Record<string, unknown> & TerseShape,
  phrases: Map<string, string[]>,
  ticketText: string | undefined,
): Record<string, unknown> {
  const texts = ticketTexts(ticketText);
  const results = { ...verdict.results };
  const nowMet = new Set<string>();
  for (const [id, result] of Object.entries(results)) {
    if (result === 'met') continue;
    const hit = (phrases.get(id) ?? []).some((p) =>
      findHit(texts, new RegExp(escapeRe(p), 'i'), { negatable: true }),
    );
    if (hit) {
      results[id] = 'met';
      nowMet.add(id);
    }
  }
  if (nowMet.size === 0) return verdict;
  const { notes, evidence, ...rest } = verdict;
  if (Array.isArray(notes) || notes === undefined) {
    return { ...rest, results, notes: (notes ?? []).filter((n) => !nowMet.has(n.criterion)) };
  }
  const keptNotes = without(notes, nowMet);
  const keptEvidence = without(evidence, nowMet);
  return {
    ...rest,
    results,
    ...(keptNotes ? { notes: keptNotes } : {}),
    ...(keptEvidence ? { evidence: keptEvidence } : {}),
  };
}
