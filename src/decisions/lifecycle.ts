/**
 * The proposal lifecycle: every state a proposal may be in, every move
 * between them, and who may make it. The chief, the decisions, the CLI and
 * the review pages all ask this module; nothing else decides a transition.
 *
 * ```
 *            chief ──► pending ──lead──► approved
 *              │          │ ├──lead──► rejected
 *              │          │ ├──lead──► dismissed
 *              │          │ └──system (a sibling's approval)──► pending (rebased) | superseded
 *              ├──► refused                (the rules in chief/rules.ts said no)
 *              ├──► no_improvement         (backtest: nothing fixed, or a control regressed)
 *              └──► not_a_context_problem  (the chief's own answer)
 *   refused | no_improvement | not_a_context_problem | superseded ──lead──► rejected | dismissed
 * ```
 *
 * Coverage: every state but `refused` covers the tickets it saw. Detection
 * counts, per (agent, category), only failures on tickets outside the
 * covered set (and recorded after the newest watermark), so a rejected or
 * closed pair stays quiet until QC_CHIEF_THRESHOLD *new* distinct tickets
 * fail, and a regrade of decided tickets never re-fires it. A refused
 * proposal is the chief's own mistake and covers nothing: the pair is tried
 * again as soon as a newer failure arrives.
 */

export const PROPOSAL_STATES = [
  'pending',
  'approved',
  'rejected',
  'dismissed',
  'superseded',
  'refused',
  'no_improvement',
  'not_a_context_problem',
] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

export type Actor = 'chief' | 'lead' | 'system';

/** Offered to a lead for a decision: only `pending`. */
export const OFFERED: readonly ProposalState[] = ['pending'];

/** Not decided by a lead yet: a lead may still reject or dismiss these. */
export const OPEN: readonly ProposalState[] = [
  'pending',
  'refused',
  'no_improvement',
  'not_a_context_problem',
  'superseded',
];

/** States whose tickets stay covered (detection skips them). */
export const COVERING: readonly ProposalState[] = PROPOSAL_STATES.filter((s) => s !== 'refused');

/** What the chief may store a new proposal as. */
export const CREATED: readonly ProposalState[] = [
  'pending',
  'refused',
  'no_improvement',
  'not_a_context_problem',
];

const MOVES: Record<Actor, Array<[from: readonly ProposalState[], to: ProposalState]>> = {
  chief: [],
  lead: [
    [['pending'], 'approved'],
    [OPEN, 'rejected'],
    [OPEN, 'dismissed'],
  ],
  system: [
    [['pending'], 'superseded'],
    [['pending'], 'pending'], // rebased onto a sibling's new version
  ],
};

export function canMove(actor: Actor, from: ProposalState, to: ProposalState): boolean {
  return MOVES[actor].some(([f, t]) => t === to && f.includes(from));
}

/** Why a move is not allowed, in words a lead can act on; undefined when it is. */
export function refusal(
  actor: Actor,
  id: number,
  from: ProposalState,
  to: ProposalState,
): string | undefined {
  if (canMove(actor, from, to)) return undefined;
  if (to === 'approved')
    return `proposal #${id} is ${from}: only a pending proposal can be approved`;
  return `proposal #${id} is already ${from}`;
}

export const DESCRIPTIONS: Record<ProposalState, string> = {
  pending: 'offered to a lead: its backtest fixed a cited ticket and regressed no control',
  approved: 'a lead approved it; the file is a new context version',
  rejected: 'a lead rejected it; the pair is quiet until new tickets fail',
  dismissed: 'a lead closed it without judging the content; quiet like a rejection',
  superseded: "closed by a sibling's approval: its diff no longer applies to the new version",
  refused: 'the revision broke a rule (ids, size, format); tried again on a newer failure',
  no_improvement: 'the backtest fixed no cited ticket or regressed a control; not offered',
  not_a_context_problem: 'the chief found no context change would help; shown, not offered',
};

const asObj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * Whether approving needs a written reason (the review page and the CLI both ask): the backtest fixed nothing,
 * regressed something, or did not run. Then the lead approves against the
 * evidence and the note says why.
 */
export function approvalRisk(p: { backtest: unknown }): string | undefined {
  const bt = asObj(p.backtest);
  if (bt.kind !== 'regrade') return 'this proposal was not backtested';
  const sum = asObj(bt.summary);
  const regressed = Number(sum.regressed ?? 0);
  const fixed = Number(sum.fixed ?? 0);
  if (regressed > 0) return `the backtest regressed ${regressed} ticket(s)`;
  if (fixed === 0) return 'the backtest fixed nothing';
  return undefined;
}
