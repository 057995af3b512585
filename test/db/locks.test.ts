import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCKS,
  type LockKey,
  withAdvisoryLock,
  withAdvisoryLocks,
  withAdvisoryLockWait,
} from '../../src/db/locks.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { holdAdvisoryLock } from '../helpers/locks.js';

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

  it('several locks in one statement: overlapping sets in any order never deadlock, and each waits for a single holder', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => LOCKS.ticket('generic', `many-${x}`));
    // A single-key holder (what a derived delivery takes) blocks the set.
    const single = await holdAdvisoryLock(other, keys[3] as LockKey);
    let setRan = false;
    const set = withAdvisoryLocks(db.pool, keys, async () => {
      setRan = true;
    });
    await waitForWaiter();
    expect(setRan).toBe(false);
    await single.release();
    await set;
    expect(setRan).toBe(true);
    // Many overlapping sets at once, each given in another order: all finish (a wrong
    // order would end in PostgreSQL's deadlock error), and no two run together.
    let running = 0;
    let most = 0;
    const runs = Array.from({ length: 8 }, (_, i) =>
      withAdvisoryLocks(
        i % 2 ? db.pool : other,
        i % 2 ? [...keys].reverse() : keys.slice(i % 3),
        async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((r) => setImmediate(r));
          running--;
        },
      ),
    );
    await Promise.all(runs);
    expect(most).toBe(1);
    // Every lock was released: a try on each succeeds.
    for (const k of keys)
      expect(await withAdvisoryLock(other, k, async () => 'free', { mode: 'try' })).toBe('free');
  });
});

async function waitForWaiter(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const r = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1`,
      [db.name],
    );
    if ((r.rows[0]?.n ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting for a lock waiter');
}

describe('withAdvisoryLocks on a pipelined client (the intake writer)', () => {
  it("fn's first statements wait for the locks and see what the holder committed before releasing", async () => {
    const pipelined = createPool(db.url, { max: 1, pipeline: true });
    await db.pool.query('CREATE TABLE lock_probe (x int)');
    const key = LOCKS.ticket('generic', 'pipelined-1');
    const holder = await db.pool.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(${key.expr})`, [key.param]);
      let seen: number | undefined;
      const run = withAdvisoryLocks(pipelined, [key], async (client, tx) => {
        expect(tx.open).toBe(true);
        // Sent at once, behind BEGIN and the locks: one round trip.
        const count = client.query<{ n: number }>('SELECT count(*)::int AS n FROM lock_probe');
        const commit = client.query('COMMIT');
        seen = (await count).rows[0]?.n;
        await commit;
        if (tx.open) tx.committed();
        return 'done';
      });
      await waitForWaiter();
      // Committed while the lock is held: the waiting statement must see it.
      await holder.query('INSERT INTO lock_probe VALUES (1)');
      await holder.query(`SELECT pg_advisory_unlock(${key.expr})`, [key.param]);
      expect(await run).toBe('done');
      expect(seen).toBe(1);
    } finally {
      holder.release();
      await pipelined.end();
    }
  });

  it('fn failing before its COMMIT: the transaction is rolled back, the locks released, the connection clean', async () => {
    const pipelined = createPool(db.url, { max: 1, pipeline: true });
    const key = LOCKS.ticket('generic', 'pipelined-3');
    try {
      await expect(
        withAdvisoryLocks(pipelined, [key], async (client) => {
          await client.query('INSERT INTO lock_probe VALUES (3)');
          throw new Error('a bad row');
        }),
      ).rejects.toThrow('a bad row');
      expect((await db.pool.query('SELECT 1 FROM lock_probe WHERE x = 3')).rowCount).toBe(0);
      expect(await withAdvisoryLock(other, key, async () => 'free', { mode: 'try' })).toBe('free');
      const c = await pipelined.connect();
      const fresh = await c.query<{ f: boolean }>('SELECT now() = statement_timestamp() AS f');
      expect(fresh.rows[0]?.f).toBe(true);
      c.release();
    } finally {
      await pipelined.end();
    }
  });

  it('a lock that fails aborts the transaction: nothing fn sent behind it is committed', async () => {
    const pipelined = new pg.Pool({
      connectionString: db.url,
      max: 1,
      pipeline: true,
      options: '-c lock_timeout=200',
    });
    const key = LOCKS.ticket('generic', 'pipelined-2');
    const holder = await db.pool.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(${key.expr})`, [key.param]);
      const run = withAdvisoryLocks(pipelined, [key], async (client, tx) => {
        const insert = client.query('INSERT INTO lock_probe VALUES (2)');
        const commit = client.query('COMMIT');
        await insert;
        await commit;
        if (tx.open) tx.committed();
      });
      // The lock's own error (lock_not_available), not the aborted transaction's.
      await expect(run).rejects.toMatchObject({ code: '55P03' });
      const r = await db.pool.query('SELECT 1 FROM lock_probe WHERE x = 2');
      expect(r.rowCount).toBe(0);
      // The connection went back clean: no transaction left open on it.
      const c = await pipelined.connect();
      const fresh = await c.query<{ f: boolean }>('SELECT now() = statement_timestamp() AS f');
      expect(fresh.rows[0]?.f).toBe(true);
      c.release();
    } finally {
      await holder.query(`SELECT pg_advisory_unlock(${key.expr})`, [key.param]);
      holder.release();
      await pipelined.end();
    }
  });
});
