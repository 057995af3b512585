import { contentHash } from '../ticket/hash.js';
import { Ticket } from '../ticket/schema.js';
import type { Queryable } from './pool.js';

export interface StoredTicket {
  id: number;
  source: string;
  externalId: string;
  contentHash: string;
  qcStatus: string;
  ticket: Ticket;
}

export interface UpsertResult {
  id: number;
  contentHash: string;
  /** False when this exact version was already stored (a redelivery). */
  inserted: boolean;
}

/**
 * Stores a ticket version keyed by (source, external id, content hash).
 * Storing the same content twice is a no-op that returns the existing row.
 */
export async function upsertTicket(db: Queryable, ticket: Ticket): Promise<UpsertResult> {
  const hash = contentHash(ticket);
  const r = await db.query<{ id: number; inserted: boolean }>(
    `INSERT INTO tickets (source, external_id, content_hash, status, assignee, subject, ticket, ticket_updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (source, external_id, content_hash) DO UPDATE SET source = EXCLUDED.source
     RETURNING id, (xmax = 0) AS inserted`,
    [
      ticket.source,
      ticket.externalId,
      hash,
      ticket.status,
      ticket.assignee?.name ?? ticket.assignee?.email ?? null,
      ticket.subject,
      JSON.stringify(ticket),
      ticket.updatedAt,
    ],
  );
  const row = r.rows[0];
  if (!row) throw new Error('upsert returned no row');
  return { id: row.id, contentHash: hash, inserted: row.inserted };
}

export async function getTicket(db: Queryable, id: number): Promise<StoredTicket | undefined> {
  const r = await db.query<{
    id: number;
    source: string;
    external_id: string;
    content_hash: string;
    qc_status: string;
    ticket: unknown;
  }>('SELECT id, source, external_id, content_hash, qc_status, ticket FROM tickets WHERE id = $1', [
    id,
  ]);
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    source: row.source,
    externalId: row.external_id,
    contentHash: row.content_hash,
    qcStatus: row.qc_status,
    ticket: Ticket.parse(row.ticket),
  };
}

export async function contentHashOf(db: Queryable, id: number): Promise<string | undefined> {
  const r = await db.query<{ content_hash: string }>(
    'SELECT content_hash FROM tickets WHERE id = $1',
    [id],
  );
  return r.rows[0]?.content_hash;
}

/** A ticket reference from a person: our id, or the help desk's external id (latest version). */
export async function findTicketRef(db: Queryable, ref: string): Promise<number | undefined> {
  const r = await db.query<{ id: number }>(
    `SELECT id FROM tickets WHERE ($1 ~ '^[0-9]+$' AND id = $1::bigint) OR external_id = $1
     ORDER BY (id::text = $1) DESC, ticket_updated_at DESC, id DESC LIMIT 1`,
    [ref],
  );
  return r.rows[0]?.id;
}
