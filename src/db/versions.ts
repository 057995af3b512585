import { contentHashAndJson } from '../ticket/hash.js';
import { Ticket } from '../ticket/schema.js';
import type { LockedTransaction } from './locks.js';
import type { Pool, PoolClient, Queryable } from './pool.js';
import { QC_TRANSITIONS, transitionQcStatus } from './qc-status.js';
import { endThreadWaits, holdForThread } from './threads.js';
import { ticketColumns } from './tickets.js';

/**
 * The PostgreSQL half of ingest, run under the tickets' advisory locks
 * (`LOCKS.ticket`), held from the upsert until their jobs are scheduled.
 */

export interface StoredVersion {
  ticketId: number;
  contentHash: string;
  /** False when this content was already stored (an identical redelivery). */
  newVersion: boolean;
  /** True when the vendor's delivery id was seen before: nothing was written. */
  duplicateDelivery: boolean;
  /** No newer version of the ticket is stored. */
  latest: boolean;
  /** A result exists for this version and the given QC context version. */
  graded: boolean;
}

export interface VersionInput {
  ticket: Ticket;
  deliveryId?: string | undefined;
  bodySha256: string;
  /** True when the ticket's status is not a grading status: the latest version is then 'skipped'. */
  skip: boolean;
  /** In a grading status but without its thread: the latest version waits for it ('needs_thread'). */
  holdForThread: boolean;
}

const {
  schedule: SCHEDULE,
  skip: SKIP,
  supersede: SUPERSEDE,
  endThreadWait: END_WAIT,
} = QC_TRANSITIONS;
// STORE writes these transitions as CASE branches: it relies on one ending state and one set of
// states they may leave.
if (
  SUPERSEDE.to !== END_WAIT.to ||
  String(SCHEDULE.from) !== String(SKIP.from) ||
  String(SKIP.from) !== String(SUPERSEDE.from)
)
  throw new Error('STORE expects supersede/skip/schedule to leave the same states');

// One statement for a group's versions (a JSON array, one object per
// version): delivery dedupe, the upsert, the delivery records, the latest
// version decided per ticket, older versions superseded and their thread
// waits ended. A new version is inserted straight in the state a
// 'schedule', 'skip' or 'supersede' transition from 'stored' would give it —
// one row write, not an insert then an update of every new row; a version
// stored before (the same content again) takes the same transition in its
// ON CONFLICT update, unless graded. Whether a new version is the latest is
// decided with its id taken from the sequence before the insert, as it would
// be after: the tickets' locks are held, so every other version is committed
// and visible.
const STORE = `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
      n int, source text, external_id text, content_hash text, status text, assignee text,
      subject text, ticket jsonb, ticket_updated_at timestamptz, assignee_key text,
      delivery_id text, body_sha256 text, skip boolean, hold boolean)
  ), seen AS (
    SELECT i.n, d.ticket_id, d.content_hash FROM input i
    JOIN webhook_deliveries d ON d.source = i.source AND d.delivery_id = i.delivery_id
    WHERE d.ticket_id IS NOT NULL AND d.content_hash IS NOT NULL
  ), fresh AS (
    SELECT i.*, nextval(pg_get_serial_sequence('tickets', 'id')) AS id FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM seen s WHERE s.n = i.n)
  ), up AS (
    INSERT INTO tickets (id, source, external_id, content_hash, status, assignee, subject, ticket,
                         ticket_updated_at, assignee_key, qc_status)
    SELECT f.id, f.source, f.external_id, f.content_hash, f.status, f.assignee, f.subject, f.ticket,
           f.ticket_updated_at, f.assignee_key,
           CASE WHEN EXISTS (SELECT 1 FROM tickets o WHERE o.source = f.source AND o.external_id = f.external_id
                               AND (o.ticket_updated_at, o.id) > (f.ticket_updated_at, f.id)) THEN $2
                WHEN f.skip THEN $3 ELSE $4 END
    FROM fresh f
    ON CONFLICT (source, external_id, content_hash) DO UPDATE SET lane = 'realtime',
      qc_status = CASE
        WHEN tickets.qc_status <> ALL($8::text[])
          OR EXISTS (SELECT 1 FROM qc_results r WHERE r.ticket_id = tickets.id AND r.context_version = $5)
          THEN tickets.qc_status
        WHEN EXISTS (SELECT 1 FROM tickets o WHERE o.source = tickets.source AND o.external_id = tickets.external_id
                       AND (o.ticket_updated_at, o.id) > (tickets.ticket_updated_at, tickets.id)) THEN $2
        WHEN (SELECT i.skip FROM input i WHERE i.source = EXCLUDED.source AND i.external_id = EXCLUDED.external_id)
          THEN $3
        ELSE $4 END
    RETURNING id, source, external_id, content_hash, ticket_updated_at, (xmax = 0) AS inserted
  ), state AS (
    SELECT f.n, up.id, up.inserted, up.source, up.external_id, up.content_hash, f.delivery_id,
           f.body_sha256, f.hold,
           NOT EXISTS (SELECT 1 FROM tickets o WHERE o.source = up.source AND o.external_id = up.external_id
                         AND (o.ticket_updated_at, o.id) > (up.ticket_updated_at, up.id)) AS latest,
           EXISTS (SELECT 1 FROM qc_results r WHERE r.ticket_id = up.id AND r.context_version = $5) AS graded
    FROM up JOIN fresh f USING (source, external_id, content_hash)
  ), delivery AS (
    INSERT INTO webhook_deliveries (source, delivery_id, ticket_id, content_hash, new_version, body_sha256)
    SELECT source, delivery_id, id, content_hash, inserted, body_sha256 FROM state
    ON CONFLICT (source, delivery_id) WHERE delivery_id IS NOT NULL
    DO UPDATE SET ticket_id = EXCLUDED.ticket_id, content_hash = EXCLUDED.content_hash
  ), others AS (
    UPDATE tickets t SET qc_status = $2 FROM state s
    WHERE s.latest AND t.source = s.source AND t.external_id = s.external_id AND t.id <> s.id
      AND (t.qc_status = ANY($6::text[])
           OR (NOT s.graded AND NOT s.hold AND t.qc_status = ANY($7::text[])))
  )
  SELECT n, id, content_hash, inserted, latest, graded, false AS seen FROM state
  UNION ALL
  SELECT n, ticket_id, content_hash, false, false, false, true FROM seen`;

const SUPERSEDE_FROM = [...SUPERSEDE.from];
const END_WAIT_FROM = [...END_WAIT.from];
const SCHEDULE_FROM = [...SCHEDULE.from];

/** A key naming one vendor delivery (source and delivery id) in a Map. */
export function deliveryKey(source: string, deliveryId: string): string {
  return `${source}\n${deliveryId}`;
}

/** The ticket version and content hash a vendor delivery id was first accepted as, if any. */
export async function seenDelivery(
  client: PoolClient,
  source: string,
  deliveryId: string,
): Promise<{ ticketId: number; contentHash: string } | undefined> {
  const seen = await client.query<{ ticket_id: number | null; content_hash: string | null }>(
    'SELECT ticket_id, content_hash FROM webhook_deliveries WHERE source = $1 AND delivery_id = $2',
    [source, deliveryId],
  );
  const row = seen.rows[0];
  return row?.ticket_id && row.content_hash
    ? { ticketId: row.ticket_id, contentHash: row.content_hash }
    : undefined;
}

/**
 * The latest stored version of a ticket — the same order `AFTER_UPSERT` calls
 * latest: the vendor's update time, then arrival. Read under the ticket's lock
 * by deliveries that change a stored ticket rather than carry all of it.
 */
export async function latestVersion(
  client: PoolClient,
  source: string,
  externalId: string,
): Promise<Ticket | undefined> {
  const r = await client.query<{ ticket: unknown }>(
    `SELECT ticket FROM tickets WHERE source = $1 AND external_id = $2
     ORDER BY ticket_updated_at DESC, id DESC LIMIT 1`,
    [source, externalId],
  );
  const row = r.rows[0];
  return row ? Ticket.parse(row.ticket) : undefined;
}

/**
 * STORE's $1: the group's rows as a JSON array, one object per version. Each
 * ticket is serialized once, by its content hash (`contentHashAndJson`) when
 * the hashed text is its JSON, and spliced in as the object's last member.
 */
function storeInput(rows: readonly VersionInput[]): string {
  const parts: string[] = new Array(rows.length);
  for (let n = 0; n < rows.length; n++) {
    const v = rows[n] as VersionInput;
    const { hash, json } = contentHashAndJson(v.ticket);
    const columns = JSON.stringify({
      n,
      ...ticketColumns(v.ticket, hash),
      delivery_id: v.deliveryId ?? null,
      body_sha256: v.bodySha256,
      skip: v.skip,
      hold: v.holdForThread,
    });
    parts[n] = `${columns.slice(0, -1)},"ticket":${json ?? JSON.stringify(v.ticket)}}`;
  }
  return `[${parts.join(',')}]`;
}

/**
 * One transaction for a group of deliveries, each under its ticket's lock
 * (`LOCKS.ticket`, held by the caller): delivery dedupe, the ticket versions,
 * the delivery records, older versions superseded, thread waits held or
 * ended — one statement in the common case, whatever the group's size. The
 * rows must name distinct tickets and distinct delivery ids. A version that
 * will be scheduled is marked 'queued' here, optimistically; `markWaiting`
 * puts it back to 'stored' when Redis refuses (the reconciler treats both
 * alike). Any error rolls the whole group back.
 */
export async function storeVersions(
  client: PoolClient,
  rows: readonly VersionInput[],
  contextVersion: string,
  tx: LockedTransaction = { open: false },
): Promise<StoredVersion[]> {
  // One statement is its own transaction; a thread hold adds statements, so then one is opened
  // (unless the caller's is: it is committed here, the COMMIT sent right behind STORE when
  // nothing has to be read first — on a pipelined client, the same round trip).
  const holding = rows.some((v) => v.holdForThread);
  const own = holding && !tx.open;
  if (own) await client.query('BEGIN');
  let commit: Promise<unknown> | undefined;
  try {
    const store = client.query<{
      n: number;
      id: number;
      content_hash: string;
      inserted: boolean;
      latest: boolean;
      graded: boolean;
      seen: boolean;
    }>({
      // Named: each connection parses and plans STORE once, not once per group.
      name: 'ingest-store-versions',
      text: STORE,
      values: [
        storeInput(rows),
        SUPERSEDE.to,
        SKIP.to,
        SCHEDULE.to,
        contextVersion,
        SUPERSEDE_FROM,
        END_WAIT_FROM,
        SCHEDULE_FROM,
      ],
    });
    if (tx.open && !holding) {
      commit = client.query('COMMIT');
      // Answered after STORE; a failure there is the one reported.
      commit.catch(() => undefined);
    }
    const r = await store;
    const out: StoredVersion[] = new Array(rows.length);
    const holds: number[] = [];
    for (const x of r.rows) {
      out[x.n] = {
        ticketId: x.id,
        contentHash: x.content_hash,
        newVersion: x.inserted,
        duplicateDelivery: x.seen,
        latest: x.latest,
        graded: x.graded,
      };
      if (!x.seen && !x.graded && x.latest && rows[x.n]?.holdForThread) holds.push(x.id);
    }
    for (let i = 0; i < rows.length; i++) if (!out[i]) throw new Error('the store answered no row');
    // A version still without its thread takes over the wait — held first, so
    // it inherits the first wait's start and a stream of thread-less updates
    // cannot postpone the timeout — then older waits end.
    for (const id of holds) await holdForThread(client, id);
    await endThreadWaits(client, holds);
    if (tx.open) {
      await (commit ?? client.query('COMMIT'));
      tx.committed();
    } else if (own) await client.query('COMMIT');
    return out;
  } catch (err) {
    // The caller's transaction is the caller's to roll back.
    if (own) await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The enqueue failed: these versions wait in PostgreSQL for the reconciler. */
export async function markWaiting(client: Queryable, ticketIds: readonly number[]): Promise<void> {
  await transitionQcStatus(client, 'wait', { ids: ticketIds });
}

export async function markQueued(client: Queryable, ticketIds: readonly number[]): Promise<void> {
  await transitionQcStatus(client, 'reconcile', { ids: ticketIds });
}

/** Deletes delivery records older than the retention, in bounded batches. */
export async function pruneDeliveries(pool: Pool, olderThanDays: number): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await pool.query(
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE received_at < now() - make_interval(days => $1) LIMIT 10000)`,
      [olderThanDays],
    );
    total += r.rowCount ?? 0;
    if ((r.rowCount ?? 0) < 10_000) return total;
  }
}
