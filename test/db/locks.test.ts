import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKS, type LockKey, withAdvisoryLock, withAdvisoryLockWait } from '../../src/db/locks.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

let db: TestDb;
let other: Pool;
beforeAll(async () => {
  db = await createTestDb({ seed: false });
  other = createPool(db.url, { max: 2 });
});
afterAll(async () => {
  await other.end();
  await db.drop();
});

/** Every registry entry, with the per-item ones made with a sample argument. */
function registry(): LockKey[] {
  return Object.values(LOCKS).map((l) =>
    typeof l === 'function' ? (l as (...a: string[]) => LockKey)('x', 'y') : l,
  );
}

describe('advisory locks', () => {
  it('registry keys do not collide: distinct numbers, distinct text prefixes', () => {
    const keys = registry();
    const numbers = keys.filter((k) => typeof k.param === 'number').map((k) => k.param);
    expect(new Set(numbers).size).toBe(numbers.length);
    const prefixes = keys
      .filter((k) => typeof k.param === 'string')
      .map((k) => String(k.param).split(':')[0]);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(new Set(keys.map((k) => k.name)).size).toBe(keys.length);
  });

  it('try mode skips while another session holds the lock; wait mode waits for it', async () => {
    const key = LOCKS.ticket('generic', 'lock-test');
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    const holder = withAdvisoryLock(
      db.pool,
      key,
      async () => {
        entered();
        await held;
        return 'held';
      },
      { mode: 'try' },
    );
    await inside;
    expect(await withAdvisoryLock(other, key, async () => 'second', { mode: 'try' })).toBe(
      undefined,
    );
    const waiter = withAdvisoryLockWait(other, key, async () => 'waited');
    release();
    expect(await holder).toBe('held');
    expect(await waiter).toBe('waited');
    // Released: free again for anyone.
    expect(await withAdvisoryLock(other, key, async () => 'free', { mode: 'try' })).toBe('free');
  });

  it('an error in fn releases the lock', async () => {
    await expect(
      withAdvisoryLock(
        db.pool,
        LOCKS.chiefPass,
        async () => {
          throw new Error('boom');
        },
        { mode: 'try' },
      ),
    ).rejects.toThrow('boom');
    expect(await withAdvisoryLock(other, LOCKS.chiefPass, async () => 1, { mode: 'try' })).toBe(1);
  });
});
