/**
 * Named points where a test can make the batch code stop as if the process
 * had been killed there. Each sits right after a durable step and before the
 * next one, so a rerun must resume from exactly what is stored:
 *
 * - `after-mapping`: a chunk's custom_id → ticket mapping is committed; the
 *   create call has not been attempted.
 * - `before-create`: the chunk is marked `submitting`; the create call was
 *   never sent (the rerun must find nothing in messages.batches.list and
 *   submit it then).
 * - `after-create`: the API created the batch; its id is not yet stored (the
 *   rerun must find it in messages.batches.list, not create another).
 * - `mid-results`: `after` result entries of a chunk are ingested.
 * - `after-followups`: follow-ups journaled while collecting are bundled into
 *   the next round's chunks (stored, `prepared`); nothing of that round is
 *   submitted yet. The rerun must submit each once and grade each ticket once.
 * - `failed-entry`: an entry's output stayed invalid through every tier; its
 *   paid calls are recorded, its request not yet settled `failed`. The rerun
 *   must record them once.
 * - `requeue-recorded`: an entry whose grading kept failing is on the realtime
 *   queue with its paid batch replies recorded; its request is not yet
 *   settled `requeued`. The rerun must record them once.
 */
export type CrashPoint =
  | 'after-mapping'
  | 'before-create'
  | 'after-create'
  | 'mid-results'
  | 'after-followups'
  | 'failed-entry'
  | 'requeue-recorded';

export interface CrashAt {
  point: CrashPoint;
  /** mid-results: crash once this many entries are ingested (default 1). */
  after?: number;
}

export class InjectedCrash extends Error {
  override name = 'InjectedCrash';
  constructor(readonly point: CrashPoint) {
    super(`injected crash at ${point}`);
  }
}

/** Throws when `crashAt` names this point (and, for counts, when it is reached). */
export function checkpoint(crashAt: CrashAt | undefined, point: CrashPoint, count = 1): void {
  if (!crashAt || crashAt.point !== point) return;
  if (count >= (crashAt.after ?? 1)) throw new InjectedCrash(point);
}
