import { type LockKey, withAdvisoryLock } from '../../src/db/locks.js';
import type { Pool } from '../../src/db/pool.js';

/**
 * Holds an advisory lock on a connection of `pool` (as another process would)
 * until `release()`; resolves once it is held.
 */
export async function holdAdvisoryLock(
  pool: Pool,
  key: LockKey,
): Promise<{ release(): Promise<void> }> {
  let letGo!: () => void;
  const held = new Promise<void>((r) => {
    letGo = r;
  });
  let entered!: () => void;
  const inside = new Promise<void>((r) => {
    entered = r;
  });
  const holder = withAdvisoryLock(
    pool,
    key,
    async () => {
      entered();
      await held;
    },
    { mode: 'wait' },
  );
  await Promise.race([inside, holder]);
  return {
    async release() {
      letGo();
      await holder;
    },
  };
}
