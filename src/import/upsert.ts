import { upsertImportedGold } from '../db/gold.js';
import { type Pool, withTransaction } from '../db/pool.js';
import { upsertTicketRows } from '../db/tickets.js';
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
export async function upsertMany(
  pool: Pool,
  items: ImportItem[],
  /** History is graded in the batch lane (issue 12); the demo grades live. */
  lane: 'realtime' | 'batch' = 'batch',
): Promise<BulkResult> {
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
    const upserted = await upsertTicketRows(db, rows, lane);
    const idOf = new Map(
      upserted.map((row) => [`${row.source}\n${row.external_id}\n${row.content_hash}`, row.id]),
    );
    const gold = rows.flatMap((x) => {
      const id = idOf.get(`${x.ticket.source}\n${x.ticket.externalId}\n${x.hash}`);
      return x.gold && id !== undefined ? [{ id, gold: x.gold }] : [];
    });
    // A reviewer's label (origin 'review') outranks a re-imported one.
    await upsertImportedGold(db, gold);
    const inserted = upserted.filter((x) => x.inserted).length;
    const ids = itemKeys.map((k) => idOf.get(k) ?? 0);
    return { inserted, unchanged: items.length - inserted, gold: gold.length, ids };
  });
}
