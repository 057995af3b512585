import { type Pool, withTransaction } from '../db/pool.js';
import { contentHash } from '../ticket/hash.js';
import type { Ticket } from '../ticket/schema.js';
import type { Gold } from './jsonl.js';

export interface ImportItem {
  ticket: Ticket;
  gold?: Gold | undefined;
}

export interface BulkResult {
  inserted: number;
  unchanged: number;
  gold: number;
  /** The stored version's id for each item, in the order of `items`. */
  ids: number[];
}

/**
 * Upserts many tickets in one statement (unnest over column arrays): the same
 * row, key and hash as `upsertTicket` in src/db/tickets.ts, one round trip
 * per few hundred rows instead of one per row. Rows repeating a version
 * already in the same set are folded together first: ON CONFLICT DO UPDATE
 * refuses to touch a row twice in one statement.
 */
export async function upsertMany(pool: Pool, items: ImportItem[]): Promise<BulkResult> {
  if (items.length === 0) return { inserted: 0, unchanged: 0, gold: 0, ids: [] };
  const byKey = new Map<string, { ticket: Ticket; hash: string; gold?: Gold | undefined }>();
  const itemKeys: string[] = [];
  for (const it of items) {
    const hash = contentHash(it.ticket);
    const key = `${it.ticket.source}\n${it.ticket.externalId}\n${hash}`;
    itemKeys.push(key);
    const prev = byKey.get(key);
    byKey.set(key, { ticket: it.ticket, hash, gold: it.gold ?? prev?.gold });
  }
  const rows = [...byKey.values()];
  return withTransaction(pool, async (db) => {
    const r = await db.query<{
      id: number;
      source: string;
      external_id: string;
      content_hash: string;
      inserted: boolean;
    }>(
      `INSERT INTO tickets (source, external_id, content_hash, status, assignee, subject, ticket, ticket_updated_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                            $7::jsonb[], $8::timestamptz[])
       ON CONFLICT (source, external_id, content_hash) DO UPDATE SET source = EXCLUDED.source
       RETURNING id, source, external_id, content_hash, (xmax = 0) AS inserted`,
      [
        rows.map((x) => x.ticket.source),
        rows.map((x) => x.ticket.externalId),
        rows.map((x) => x.hash),
        rows.map((x) => x.ticket.status),
        rows.map((x) => x.ticket.assignee?.name ?? x.ticket.assignee?.email ?? null),
        rows.map((x) => x.ticket.subject),
        rows.map((x) => JSON.stringify(x.ticket)),
        rows.map((x) => x.ticket.updatedAt),
      ],
    );
    const idOf = new Map(
      r.rows.map((row) => [`${row.source}\n${row.external_id}\n${row.content_hash}`, row.id]),
    );
    const gold = rows.flatMap((x) => {
      const id = idOf.get(`${x.ticket.source}\n${x.ticket.externalId}\n${x.hash}`);
      return x.gold && id !== undefined ? [{ id, gold: x.gold }] : [];
    });
    if (gold.length) {
      // A reviewer's label (origin 'review') outranks a re-imported one.
      await db.query(
        `INSERT INTO gold_labels (ticket_id, gold, origin)
         SELECT t.id, t.gold, 'import' FROM unnest($1::bigint[], $2::jsonb[]) AS t(id, gold)
         ON CONFLICT (ticket_id) DO UPDATE SET gold = EXCLUDED.gold
         WHERE gold_labels.origin = 'import'`,
        [gold.map((g) => g.id), gold.map((g) => JSON.stringify(g.gold))],
      );
    }
    const inserted = r.rows.filter((x) => x.inserted).length;
    const ids = itemKeys.map((k) => idOf.get(k) ?? 0);
    return { inserted, unchanged: items.length - inserted, gold: gold.length, ids };
  });
}
