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
 * The stable key a scorecard groups a technician by: the source's id for the
 * person, else the e-mail, else the name — never the display string alone
 * when something steadier is known.
 */
export function personKey(source: string, p: Ticket['assignee']): string | null {
  if (!p) return null;
  if (p.id) return `${source}:id:${p.id}`;
  if (p.email) return `email:${p.email.toLowerCase()}`;
  if (p.name && p.name !== 'unknown') return `${source}:name:${p.name}`;
  return null;
}

/**
 * Stores a ticket version keyed by (source, external id, content hash).
 * Storing the same content twice is a no-op that returns the existing row.
 */
export async function upsertTicket(db: Queryable, ticket: Ticket): Promise<UpsertResult> {
  const hash = contentHash(ticket);
  const r = await db.query<{ id: number; inserted: boolean }>(
    `INSERT INTO tickets (source, external_id, content_hash, status, assignee, subject, ticket, ticket_updated_at, assignee_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
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
      personKey(ticket.source, ticket.assignee),
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

export async function setQcStatus(db: Queryable, ids: number[], status: string): Promise<void> {
  if (ids.length === 0) return;
  await db.query('UPDATE tickets SET qc_status = $2 WHERE id = ANY($1::bigint[])', [ids, status]);
}
