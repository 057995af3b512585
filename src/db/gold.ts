import type { Queryable } from './pool.js';

/** gold_labels rows: the evaluation set's right answers. */

/** A reviewer's label replaces any older label of the ticket (a lead's correction is the better answer). */
export async function upsertReviewGold(
  db: Queryable,
  ticketId: number,
  gold: unknown,
): Promise<void> {
  await db.query(
    `INSERT INTO gold_labels (ticket_id, gold, origin) VALUES ($1, $2, 'review')
     ON CONFLICT (ticket_id) DO UPDATE SET gold = EXCLUDED.gold, origin = 'review', created_at = now()`,
    [ticketId, JSON.stringify(gold)],
  );
}
