/**
 * What a team lead needs from an evaluation beyond accuracy: does the grader
 * catch each escalation rule (recall) without crying wolf (precision), and
 * when an auto-fail criterion fails a ticket, was it right to (precision)?
 * A ticket the model could not grade counts as a miss for recall: an
 * unusable answer escalates nothing.
 */

export interface RuleScore {
  /** Gold says the rule applies. */
  gold: number;
  /** The grader raised it. */
  raised: number;
  /** Both. */
  caught: number;
  recall: number | null;
  precision: number | null;
}

export interface AutoFailScore {
  /** Tickets where the grader's result failed the criterion (missing or partial), gold known. */
  fired: number;
  /** …of which gold agrees the criterion was not met. */
  right: number;
  /** Tickets gold says were not met, graded. */
  goldNotMet: number;
  precision: number | null;
  recall: number | null;
}

interface Scored {
  gold: { escalations?: readonly string[]; criteria: Record<string, string> };
  outcome?: string | undefined;
  escalations?: readonly string[] | undefined;
  criteria: Record<string, string>;
}

const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1e4) / 1e4);
const NOT_MET = new Set(['missing', 'partial']);

export function rulesOf(
  items: readonly Scored[],
  rules: readonly string[],
): Record<string, RuleScore> {
  const ids = new Set(rules);
  for (const i of items) {
    for (const r of i.gold.escalations ?? []) ids.add(r);
    for (const r of i.escalations ?? []) ids.add(r);
  }
  const out: Record<string, RuleScore> = {};
  for (const id of [...ids].sort()) {
    let gold = 0;
    let raised = 0;
    let caught = 0;
    for (const i of items) {
      const g = (i.gold.escalations ?? []).includes(id);
      const p = i.outcome !== undefined && (i.escalations ?? []).includes(id);
      if (g) gold++;
      if (p) raised++;
      if (g && p) caught++;
    }
    if (gold === 0 && raised === 0) continue;
    out[id] = {
      gold,
      raised,
      caught,
      recall: ratio(caught, gold),
      precision: ratio(caught, raised),
    };
  }
  return out;
}

export function autoFailOf(
  items: readonly Scored[],
  autoFailCriteria: readonly string[],
): Record<string, AutoFailScore> {
  const out: Record<string, AutoFailScore> = {};
  for (const id of autoFailCriteria) {
    let fired = 0;
    let right = 0;
    let goldNotMet = 0;
    for (const i of items) {
      const g = i.gold.criteria[id];
      const p = i.criteria[id];
      if (g === undefined || p === undefined) continue;
      if (NOT_MET.has(g)) goldNotMet++;
      if (NOT_MET.has(p)) {
        fired++;
        if (NOT_MET.has(g)) right++;
      }
    }
    out[id] = {
      fired,
      right,
      goldNotMet,
      precision: ratio(right, fired),
      recall: ratio(right, goldNotMet),
    };
  }
  return out;
}
