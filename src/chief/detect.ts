import { isOperational } from '../context/files.js';
import { allAgents, categoriesOf, type Vocabulary } from '../context/vocab.js';
import {
  type Candidate,
  type CandidateEvent,
  candidateEvents,
  type DetectOptions,
  failuresByPair,
  type Pair,
} from '../db/failures.js';
import { type NoticeCandidate, operationalRepeats } from '../db/notices.js';
import type { Queryable } from '../db/pool.js';
import { COVERING } from '../decisions/lifecycle.js';
import { targetOf } from './target.js';

export { type Candidate, type CandidateEvent, candidateEvents, type DetectOptions, type Pair };

/**
 * Detection: (agent, category) pairs, both from the closed vocabularies, with
 * failures on at least `threshold` distinct tickets recorded in the trailing
 * window, after the coverage watermark of the pair's newest covering
 * proposal, and on tickets no covering proposal of the pair has seen
 * (decisions/lifecycle.ts): a rejected pair stays quiet until `threshold`
 * new tickets fail, and a regrade never re-fires decided evidence.
 *
 * The pairs come from the vocabulary and are joined LATERAL, one index range
 * scan per pair on agent_events_failures_idx (agent, category, occurred_at,
 * ticket_id) WHERE kind = 'failure': the cost follows the failures inside the
 * window, not the size of the table. Refused proposals cover nothing.
 *
 * A ticket is (source, external id), not a stored version: the same ticket
 * graded as `solved` and again as `closed`, or re-opened and re-solved, is
 * several rows of `tickets` but one ticket, and must not reach the threshold
 * on its own.
 *
 * Operational categories (files.ts OPERATIONAL_KINDS) are not context
 * problems: they are detected separately, for an operator notice.
 */

/** Every context pair the closed vocabularies allow, with the file that answers for it. */
export function vocabularyPairs(vocab: Vocabulary): Pair[] {
  return allAgents(vocab).flatMap((agent) =>
    categoriesOf(vocab, agent)
      .filter((category) => !isOperational(category))
      .map((category) => ({ agent, category, file: targetOf(vocab, agent, category).file })),
  );
}

export async function detectRepeats(
  db: Queryable,
  vocab: Vocabulary,
  opts: Omit<DetectOptions, 'covering'>,
): Promise<Candidate[]> {
  return failuresByPair(db, vocabularyPairs(vocab), { ...opts, covering: COVERING });
}

/** Operational failures that repeated since their last notice. */
export async function detectOperational(
  db: Queryable,
  vocab: Vocabulary,
  opts: Omit<DetectOptions, 'covering'>,
): Promise<NoticeCandidate[]> {
  const pairs = allAgents(vocab).flatMap((agent) =>
    categoriesOf(vocab, agent)
      .filter(isOperational)
      .map((category) => ({ agent, category })),
  );
  return operationalRepeats(db, pairs, opts);
}
