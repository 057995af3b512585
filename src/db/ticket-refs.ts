import type { Queryable } from './pool.js';

/**
 * Tickets as other agents name them in POST /events: by our id, or by the
 * help desk's (source, external id), which means its latest stored version.
 */

export async function ticketExists(db: Queryable, id: number): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM tickets WHERE id = $1', [id]);
  return (r.rowCount ?? 0) > 0;
}

/** The id of the latest stored version of (source, externalId), if any. */
export async function latestTicketId(
  db: Queryable,
  source: string,
  externalId: string,
): Promise<number | undefined> {
  const r = await db.query<{ id: number }>(
    `SELECT id FROM tickets WHERE source = $1 AND external_id = $2 ORDER BY ticket_updated_at DESC, id DESC LIMIT 1`,
    [source, externalId],
  );
  return r.rows[0]?.id;
}
