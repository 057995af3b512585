import type { Queue } from 'bullmq';

/**
 * Is anyone grading? A queue can read "running" (not paused) with nobody
 * taking jobs; what tells is the workers connected to Redis for this queue
 * (BullMQ names their connections, CLIENT LIST finds them) and how long the
 * oldest waiting job has waited. Shared by the queue page, `queue status`
 * and the Prometheus gauges next to /readyz.
 */

export interface FleetState {
  paused: boolean;
  workers: number;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  /** Milliseconds the oldest waiting job has waited; undefined when none waits. */
  oldestWaitingMs: number | undefined;
}

export async function fleetState(queue: Queue, now: Date = new Date()): Promise<FleetState> {
  const [paused, counts, workers, oldest] = await Promise.all([
    queue.isPaused(),
    queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed'),
    queue.getWorkersCount(),
    Promise.all([queue.getJobs(['wait'], 0, 0, true), queue.getJobs(['prioritized'], 0, 0, true)]),
  ]);
  const stamps = oldest
    .flat()
    .map((j) => j.timestamp)
    .filter((t) => Number.isFinite(t));
  const first = stamps.length ? Math.min(...stamps) : undefined;
  return {
    paused,
    workers,
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
    oldestWaitingMs: first === undefined ? undefined : Math.max(0, now.getTime() - first),
  };
}

/** The one-word state, and whether it is good news: green only when a worker is there to grade. */
export function fleetHeadline(s: FleetState): { text: string; tone: 'good' | 'bad' | 'warn' } {
  if (s.paused) return { text: 'PAUSED', tone: 'bad' };
  if (s.workers === 0)
    return { text: 'not paused, but no worker is connected: nothing is graded', tone: 'bad' };
  return {
    text: `running · ${s.workers} worker${s.workers === 1 ? '' : 's'} connected`,
    tone: 'good',
  };
}
