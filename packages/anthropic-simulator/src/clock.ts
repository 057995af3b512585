/**
 * The simulator's notion of "now": real time plus an offset tests can push
 * forward, so cache TTLs, rate-limit windows and batch processing can be
 * crossed without sleeping.
 */
export interface SimClock {
  now(): number;
  advance(ms: number): void;
}

export function createClock(realNow: () => number = Date.now): SimClock {
  let offset = 0;
  return {
    now: () => realNow() + offset,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new Error(`clock.advance needs ms >= 0, got ${ms}`);
      offset += ms;
    },
  };
}
