import type { Verdict } from '../context/verdict.js';
import { audit } from '../db/audit.js';
import { upsertReviewGold } from '../db/gold.js';
import { overridesOfResult } from '../db/overrides.js';
import type { Pool } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { resultVerdict } from '../db/results.js';
import type { Gold } from '../import/jsonl.js';

/**
 * Adds an overridden ticket to the evaluation set: the gold label is the
 * stored verdict with every lead override on that result applied — the
 * reviewer's verdict. origin 'review' tells it apart from imported labels;
 * it replaces an older label for the ticket, because a lead's correction is
 * the better answer.
 */

type Outcome = Gold['outcome'];
type Result = Gold['criteria'][string];

function goldFromVerdict(
  v: Verdict,
  overrides: { criterion: string | null; corrected: string }[],
  note?: string,
): Gold {
  const criteria: Record<string, Result> = {};
  for (const c of v.criteria) criteria[c.criterion] = c.result;
  let outcome: Outcome = v.outcome;
  // Oldest first, so the latest word on each criterion wins.
  for (const o of overrides) {
    if (o.criterion === null) outcome = o.corrected as Outcome;
    else criteria[o.criterion] = o.corrected as Result;
  }
  return {
    outcome,
    criteria,
    escalations: v.escalations.map((e) => e.rule),
    attributions: v.attributions.map((a) => ({ agent: a.agent, category: a.category })),
    patterns: v.patterns,
    ...(note ? { notes: note } : {}),
  };
}

export async function addReviewGold(
  pool: Pool,
  args: { resultId: number; reviewer: string; role: string; via: 'web' | 'cli'; note?: string },
): Promise<Gold> {
  return withTransaction(pool, async (c) => {
    const row = await resultVerdict(c, args.resultId);
    if (!row) throw new Error(`no result ${args.resultId}`);
    const gold = goldFromVerdict(row.verdict, await overridesOfResult(c, args.resultId), args.note);
    await upsertReviewGold(c, row.ticket_id, gold);
    await audit(c, {
      actor: args.reviewer,
      role: args.role,
      via: args.via,
      action: 'gold.add',
      target: `ticket:${row.ticket_id}`,
      note: args.note,
      details: { resultId: args.resultId, outcome: gold.outcome },
    });
    return gold;
  });
}
