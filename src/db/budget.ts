import type { Pool } from './pool.js';

/**
 * True while a budget pause is open. Work that spends without going through
 * the qc queue (Message Batches submits, the chief of staff) checks this, so
 * the hard stop holds for every path.
 */
export async function budgetPaused(pool: Pool): Promise<boolean> {
  const r = await pool.query(
    'SELECT 1 FROM budget_periods WHERE paused_at IS NOT NULL AND resumed_at IS NULL LIMIT 1',
  );
  return (r.rowCount ?? 0) > 0;
}
