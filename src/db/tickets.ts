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
function personKey(source: string, p: Ticket['assignee']): string | null {
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
    // Webhooks and /events: the realtime lane. The same content arriving live
    // moves a version imported into the batch lane to realtime (issue 12).
    `INSERT INTO tickets (source, external_id, content_hash, status, assignee, subject, ticket, ticket_updated_at, assignee_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (source, external_id, content_hash) DO UPDATE SET lane = 'realtime'
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

/**
 * SQL: whether a newer version of the ticket version `t` (a `tickets` row's
 * alias) is stored — the order `latestVersion` and the intake call latest:
 * the vendor's update time, then arrival.
 */
export function newerVersionOf(t: string): string {
  return `EXISTS (SELECT 1 FROM tickets n WHERE n.source = ${t}.source AND n.external_id = ${t}.external_id
                    AND (n.ticket_updated_at, n.id) > (${t}.ticket_updated_at, ${t}.id))`;
}

/**
 * The columns `upsertTicket` stores for a version, but the ticket itself, for
 * statements that write many versions at once (the webhook intake's groups,
 * db/versions.ts, which serializes the ticket with its content hash).
 */
export function ticketColumns(ticket: Ticket, hash: string = contentHash(ticket)) {
  return {
    source: ticket.source,
    external_id: ticket.externalId,
    content_hash: hash,
    status: ticket.status,
    assignee: ticket.assignee?.name ?? ticket.assignee?.email ?? null,
    subject: ticket.subject,
    ticket_updated_at: ticket.updatedAt,
    assignee_key: personKey(ticket.source, ticket.assignee),
  };
}

interface StoredRow {
  id: number;
  source: string;
  external_id: string;
  content_hash: string;
  qc_status: string;
  ticket: unknown;
}

const STORED = 't.id, t.source, t.external_id, t.content_hash, t.qc_status, t.ticket';

function storedOf(row: StoredRow): StoredTicket {
  return {
    id: row.id,
    source: row.source,
    externalId: row.external_id,
    contentHash: row.content_hash,
    qcStatus: row.qc_status,
    ticket: Ticket.parse(row.ticket),
  };
}

export async function getTicket(db: Queryable, id: number): Promise<StoredTicket | undefined> {
  const r = await db.query<StoredRow>(`SELECT ${STORED} FROM tickets t WHERE t.id = $1`, [id]);
  const row = r.rows[0];
  return row ? storedOf(row) : undefined;
}

/**
 * `getTicket` and, in the same statement, whether a newer version of the
 * ticket is stored: read right before a version is graded (the batch
 * collector), so a version superseded a moment ago is not graded.
 */
export async function getTicketToGrade(
  db: Queryable,
  id: number,
): Promise<(StoredTicket & { newer: boolean }) | undefined> {
  const r = await db.query<StoredRow & { newer: boolean }>(
    `SELECT ${STORED}, ${newerVersionOf('t')} AS newer FROM tickets t WHERE t.id = $1`,
    [id],
  );
  const row = r.rows[0];
  return row ? { ...storedOf(row), newer: row.newer } : undefined;
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

export async function ticketsById(
  db: Queryable,
  ids: readonly number[],
): Promise<Map<number, Ticket>> {
  const r = await db.query<{ id: number; ticket: unknown }>(
    'SELECT id, ticket FROM tickets WHERE id = ANY($1::bigint[])',
    [ids],
  );
  return new Map(r.rows.map((row) => [row.id, Ticket.parse(row.ticket)]));
}

/**
 * Upserts many ticket versions in one statement (unnest over column arrays):
 * the same row, key and hash as `upsertTicket`. The rows must be distinct
 * versions: ON CONFLICT DO UPDATE refuses to touch a row twice in one statement.
 */
export async function upsertTicketRows(
  db: Queryable,
  rows: readonly { ticket: Ticket; hash: string }[],
  /** New versions go to this lane; a version already stored keeps its own (issue 12). */
  lane: 'realtime' | 'batch' = 'batch',
): Promise<
  { id: number; source: string; external_id: string; content_hash: string; inserted: boolean }[]
> {
  const r = await db.query<{
    id: number;
    source: string;
    external_id: string;
    content_hash: string;
    inserted: boolean;
  }>(
    `INSERT INTO tickets (source, external_id, content_hash, status, assignee, subject, ticket, ticket_updated_at, lane)
     SELECT *, $9::text FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
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
      lane,
    ],
  );
  return r.rows;
}

/** A version the reconciler may have to schedule. */
export interface WaitingVersion {
  id: number;
  source: string;
  external_id: string;
  content_hash: string;
  received_ms: number;
}

// Latest versions in a grading status, stored or queued, without a result for
// the context version, in the realtime lane: batch-lane versions (imports,
// history) wait for `batch run` or the nightly job at half price (issue 12).
// Asked of given ids (primary-key lookups): the ids come from `waitingIds`.
const WAITING = `
  SELECT t.id, t.source, t.external_id, t.content_hash,
         (extract(epoch FROM t.received_at) * 1000)::float8 AS received_ms
  FROM tickets t
  WHERE t.id = ANY($3::bigint[]) AND t.qc_status IN ('stored', 'queued') AND t.status = ANY($1)
    AND t.lane = 'realtime'
    AND NOT EXISTS (SELECT 1 FROM qc_results r WHERE r.ticket_id = t.id AND r.context_version = $2)
    AND NOT EXISTS (SELECT 1 FROM tickets n WHERE n.source = t.source AND n.external_id = t.external_id
                    AND (n.ticket_updated_at, n.id) > (t.ticket_updated_at, t.id))
  ORDER BY t.id`;

/**
 * The ids of every version a reconciler pass looks at, in id order, in one
 * statement: stored or queued, in a grading status, in the realtime lane
 * (one range of the partial index of migration 024: the batch lane's history,
 * waiting for `batch run`, is not read). A pass then asks `waitingVersions` of
 * them a page at a time. Paging this query itself (id > last, LIMIT) made a
 * plan that finds and sorts every waiting row for each page whenever the
 * statistics were taken while few rows waited — quadratic in the backlog.
 *
 * The ids come back as one text value, not a row each: a backlog of a million
 * versions read as a million rows grew the process by 110 MB for the length
 * of the read (row objects, then the array); as one comma-separated value it
 * is 8 MB of text, parsed without splitting it into a million strings.
 */
export async function waitingIds(
  db: Queryable,
  q: { gradeOn: readonly string[] },
): Promise<number[]> {
  const r = await db.query<{ ids: string | null }>(
    `SELECT string_agg(id::text, ',' ORDER BY id) AS ids FROM tickets
      WHERE qc_status IN ('stored', 'queued') AND status = ANY($1) AND lane = 'realtime'`,
    [q.gradeOn],
  );
  return parseIdList(r.rows[0]?.ids ?? '');
}

/** "3,17,240" → [3, 17, 240]: decimal ids separated by commas, nothing else ('' → []). */
export function parseIdList(text: string): number[] {
  if (text === '') return [];
  let count = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 44) count++;
  const ids = new Array<number>(count);
  let k = 0;
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 44 : text.charCodeAt(i);
    if (c >= 48 && c <= 57 && digits < 16) {
      n = n * 10 + (c - 48);
      digits++;
    } else if (c === 44 && digits > 0) {
      ids[k++] = n;
      n = 0;
      digits = 0;
    } else {
      throw new Error(`not a list of ids at offset ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
    }
  }
  return ids;
}

/**
 * Of these versions, the ones waiting to be graded for the context version
 * (latest of their ticket, no result yet), in id order. Under the tickets'
 * locks it is also the re-check: ingest may have stored a newer version meanwhile.
 */
export async function waitingVersions(
  db: Queryable,
  ids: readonly number[],
  q: { gradeOn: readonly string[]; contextVersion: string },
): Promise<WaitingVersion[]> {
  if (ids.length === 0) return [];
  const r = await db.query<WaitingVersion>(WAITING, [q.gradeOn, q.contextVersion, ids]);
  return r.rows;
}
