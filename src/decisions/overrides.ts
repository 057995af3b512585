import { QC_AGENT } from '../context/files.js';
import { ContextStore } from '../context/store.js';
import { OUTCOMES, RESULTS } from '../context/verdict.js';
import { audit } from '../db/audit.js';
import { insertEvents } from '../db/events.js';
import { insertOverride, listOverrides, type Override } from '../db/overrides.js';
import { type Pool, type PoolClient, withTransaction } from '../db/pool.js';
import { latestResultForUpdate } from '../db/results.js';
import { resetSecondOpinions, secondOpinionRulesOf } from '../db/second-opinions.js';
import { findTicketRef } from '../db/tickets.js';

export { listOverrides, type Override };

import { DecisionError } from './decisions.js';

/**
 * A team lead overturning a verdict (no criterion: the outcome) or one
 * criterion, with a reason. Stored in `overrides` and written as two events:
 * kind 'override' (what happened) and kind 'failure' (agent qc-worker,
 * category = the criterion id, or 'override' for the outcome;
 * details.kind = 'override'), so the chief counts it like any other failure
 * and its backtest knows the right answer.
 */

export interface OverrideInput {
  ticketId: number;
  criterion?: string | undefined;
  /** met|partial|missing|n/a for a criterion; pass|fail|escalate for the outcome. */
  verdict: string;
  reason: string;
  reviewer: string;
  /** Optional quote from the ticket that supports the correction. */
  evidence?: string | undefined;
  via?: 'web' | 'cli';
  role?: string;
}

export async function addOverride(pool: Pool, input: OverrideInput): Promise<Override> {
  const [created] = await addOverrides(pool, [input]);
  if (!created) throw new Error('addOverrides returned nothing');
  return created;
}

/**
 * Several corrections of one verdict (the outcome and criteria a lead fixed in
 * one form) in one transaction: all recorded, or — when one is refused — none.
 */
export async function addOverrides(
  pool: Pool,
  inputs: readonly OverrideInput[],
): Promise<Override[]> {
  const vocab = (await new ContextStore(pool).active()).vocab;
  for (const input of inputs) checkOverride(input, vocab);
  return withTransaction(pool, async (db) => {
    const out: Override[] = [];
    for (const input of inputs) out.push(await recordOverride(db, input));
    return out;
  });
}

type Vocab = Awaited<ReturnType<ContextStore['active']>>['vocab'];

function checkOverride(input: OverrideInput, vocab: Vocab): void {
  if (!input.reviewer.trim()) throw new DecisionError('a reviewer name is required', 'bad_request');
  if (!input.reason.trim()) throw new DecisionError('a reason is required', 'bad_request');
  const criterion = input.criterion;
  if (criterion !== undefined) {
    if (!vocab.criteria.some((c) => c.id === criterion)) {
      throw new DecisionError(
        `unknown criterion "${criterion}"; one of: ${vocab.criteria.map((c) => c.id).join(', ')}`,
        'bad_request',
      );
    }
    if (!(RESULTS as readonly string[]).includes(input.verdict)) {
      throw new DecisionError(`a criterion verdict is one of ${RESULTS.join(', ')}`, 'bad_request');
    }
  } else if (!(OUTCOMES as readonly string[]).includes(input.verdict)) {
    throw new DecisionError(`an outcome verdict is one of ${OUTCOMES.join(', ')}`, 'bad_request');
  }
}

/** One checked correction, inside the caller's transaction. */
async function recordOverride(db: PoolClient, input: OverrideInput): Promise<Override> {
  const criterion = input.criterion;
  {
    const result = await latestResultForUpdate(db, input.ticketId);
    if (!result) throw new DecisionError(`ticket ${input.ticketId} has no QC result`, 'not_found');
    const original = criterion
      ? result.verdict.criteria.find((c) => c.criterion === criterion)?.result
      : result.verdict.outcome;
    if (original === undefined) {
      throw new DecisionError(`the verdict has no result for ${criterion}`, 'not_found');
    }
    if (original === input.verdict) {
      throw new DecisionError(
        `the verdict already says ${original}${criterion ? ` for ${criterion}` : ''}: nothing to override`,
        'bad_request',
      );
    }
    const details = {
      kind: 'override',
      ...(criterion ? { criterion } : {}),
      from: original,
      to: input.verdict,
      reason: input.reason,
      reviewer: input.reviewer,
      ...(input.evidence ? { evidence: input.evidence } : {}),
    };
    const common = { ticketId: input.ticketId, resultId: result.id, agent: QC_AGENT };
    const [, failureId] = await insertEvents(db, [
      { ...common, kind: 'override', category: criterion ?? 'override', details },
      { ...common, kind: 'failure', category: criterion ?? 'override', details },
    ]);
    const created = await insertOverride(db, {
      ticketId: input.ticketId,
      resultId: result.id,
      criterion: criterion ?? null,
      original,
      corrected: input.verdict,
      reason: input.reason,
      evidence: input.evidence ?? null,
      reviewer: input.reviewer,
      eventId: failureId ?? null,
    });
    if (!criterion) {
      // Issue 12: a reviewer overturning the outcome of a ticket where a
      // second-opinion rule fired confirms a grader disagreement: those rules
      // go back to always-on (their agreement history restarts).
      const rules = await secondOpinionRulesOf(db, result.id);
      await resetSecondOpinions(db, rules, `override of ticket ${input.ticketId}`, input.reviewer);
    }
    await audit(db, {
      actor: input.reviewer,
      role: input.role ?? (input.via === 'web' ? 'reviewer' : 'operator'),
      via: input.via ?? 'cli',
      action: 'override.add',
      target: `ticket:${input.ticketId}`,
      note: input.reason,
      details: {
        overrideId: created.id,
        criterion: criterion ?? null,
        from: original,
        to: input.verdict,
      },
    });
    return created;
  }
}

/** A ticket reference from a person: our id, or the help desk's external id (latest version). */
export async function resolveTicketRef(pool: Pool, ref: string): Promise<number> {
  const id = await findTicketRef(pool, ref);
  if (id === undefined) throw new DecisionError(`no ticket "${ref}"`, 'not_found');
  return id;
}
