import { allAgents, categoriesOf, type Vocabulary } from '../context/vocab.js';
import {
  type Candidate,
  type CandidateEvent,
  candidateEvents,
  type DetectOptions,
  failuresByPair,
  type Pair,
} from '../db/failures.js';
import type { Queryable } from '../db/pool.js';

export { type Candidate, type CandidateEvent, candidateEvents, type DetectOptions, type Pair };

/**
 * Detection: (agent, category) pairs, both from the closed vocabularies, with
 * failures on at least `threshold` distinct tickets recorded in the trailing
 * window and after the coverage watermark of the pair's newest pending,
 * approved or rejected proposal.
 *
 * The pairs come from the vocabulary and are joined LATERAL, one index range
 * scan per pair on agent_events_failures_idx (agent, category, occurred_at,
 * ticket_id) WHERE kind = 'failure': the cost follows the failures inside the
 * window, not the size of the table. Refused and superseded proposals cover
 * nothing, so their failures count again.
 *
 * A ticket is (source, external id), not a stored version: the same ticket
 * graded as `solved` and again as `closed`, or re-opened and re-solved, is
 * several rows of `tickets` but one ticket, and must not reach the threshold
 * on its own.
 */

/** Every pair the closed vocabularies allow. */
export function vocabularyPairs(vocab: Vocabulary): Pair[] {
  return allAgents(vocab).flatMap((agent) =>
    categoriesOf(vocab, agent).map((category) => ({ agent, category })),
  );
}

export async function detectRepeats(
  db: Queryable,
  vocab: Vocabulary,
  opts: DetectOptions,
): Promise<Candidate[]> {
  return failuresByPair(db, vocabularyPairs(vocab), opts);
}
