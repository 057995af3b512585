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

/** Imported labels; a reviewer's label (origin 'review') outranks a re-imported one. */
export async function upsertImportedGold(
  db: Queryable,
  labels: readonly { id: number; gold: unknown }[],
): Promise<void> {
  if (labels.length === 0) return;
  await db.query(
    `INSERT INTO gold_labels (ticket_id, gold, origin)
     SELECT t.id, t.gold, 'import' FROM unnest($1::bigint[], $2::jsonb[]) AS t(id, gold)
     ON CONFLICT (ticket_id) DO UPDATE SET gold = EXCLUDED.gold
     WHERE gold_labels.origin = 'import'`,
    [labels.map((g) => g.id), labels.map((g) => JSON.stringify(g.gold))],
  );
}

/** The labelled tickets, by ticket id; `origin` narrows to 'import' or 'review'. */
export async function goldRows(
  db: Queryable,
  origin: string | undefined,
  limit: number | undefined,
): Promise<{ id: number; ticket: unknown; gold: unknown }[]> {
  const r = await db.query<{ id: number; ticket: unknown; gold: unknown }>(
    `SELECT t.id, t.ticket, g.gold FROM gold_labels g JOIN tickets t ON t.id = g.ticket_id
     WHERE ($1::text IS NULL OR g.origin = $1) ORDER BY t.id LIMIT $2`,
    [origin ?? null, limit ?? null],
  );
  return r.rows;
}
