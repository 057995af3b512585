import type { Queryable } from './pool.js';

/** The cheapest round trip that proves PostgreSQL answers (readiness probes). */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}
