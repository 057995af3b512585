import type { Pool } from './pool.js';

/** One key for every batch pass: planning, submitting, polling, ingesting. */
const BATCH_LOCK_KEY = 7_242_020;

/**
 * Runs `fn` holding a session-level advisory lock, or returns undefined at
 * once when another process holds it. Two submitters could each see a chunk
 * as `prepared` and create it twice; two collectors would grade twice. A
 * killed holder's connection closes, and PostgreSQL releases the lock.
 */
export async function withBatchLock<T>(pool: Pool, fn: () => Promise<T>): Promise<T | undefined> {
  const client = await pool.connect();
  try {
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
      BATCH_LOCK_KEY,
    ]);
    if (!got.rows[0]?.ok) return undefined;
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [BATCH_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
