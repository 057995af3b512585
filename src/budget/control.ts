import type { Queue } from 'bullmq';
import { audit } from '../db/audit.js';
import { resumeOpenPauses } from '../db/budget.js';
import { insertEvents } from '../db/events.js';
import type { Pool } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';

/**
 * Pausing and resuming the qc queue by a person (web page, Bull Board, CLI).
 * A resume also closes the open budget pauses, so the budget check does not
 * pause again in the same period: an admin's resume is a decision to spend
 * past the budget until the period rolls over.
 */

export interface Actor {
  name: string;
  role: string;
  via: 'web' | 'cli';
}

export async function pauseQueue(
  pool: Pool,
  queue: Queue,
  actor: Actor,
  note?: string,
): Promise<void> {
  await queue.pause();
  await audit(pool, {
    actor: actor.name,
    role: actor.role,
    via: actor.via,
    action: 'queue.pause',
    target: `queue:${queue.name}`,
    note,
  });
}

/** Records a resume that already happened (Bull Board resumes the queue itself). */
export async function recordResume(
  pool: Pool,
  queueName: string,
  actor: Actor,
  note?: string,
): Promise<string[]> {
  return withTransaction(pool, async (c) => {
    const periods = await resumeOpenPauses(c, actor.name);
    await audit(c, {
      actor: actor.name,
      role: actor.role,
      via: actor.via,
      action: 'queue.resume',
      target: `queue:${queueName}`,
      note,
      details: periods.length ? { budgetOverride: periods } : {},
    });
    if (periods.length) {
      await insertEvents(c, [
        {
          agent: 'reviewer',
          kind: 'budget',
          category: 'resumed',
          details: { by: actor.name, periods, note: note ?? null },
        },
      ]);
    }
    return periods;
  });
}

export async function resumeQueue(
  pool: Pool,
  queue: Queue,
  actor: Actor,
  note?: string,
): Promise<string[]> {
  if (actor.role !== 'admin' && actor.role !== 'operator') {
    throw new Error('only an admin may resume the qc queue');
  }
  await queue.resume();
  return recordResume(pool, queue.name, actor, note);
}

export { budgetPaused } from '../db/budget.js';
