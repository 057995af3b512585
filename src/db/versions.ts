import { Ticket } from '../ticket/schema.js';
import type { Pool, PoolClient } from './pool.js';
import { upsertTicket } from './tickets.js';

/**
 * The PostgreSQL half of ingest. Work on one ticket is serialized by a
 * session advisory lock on (source, external id), held from the upsert until
 * its job is scheduled, so two versions arriving together cannot schedule the
 * older one last. The reconciler takes the same lock (without waiting).
 */

function lockKey(source: string, externalId: string): string {
  return `ticket:${source}:${externalId}`;
}

async function withLock<T>(
  pool: Pool,
  key: string,
  wait: boolean,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T | undefined> {
  const client = await pool.connect();
  let broken = false;
  try {
    const sql = wait
      ? 'SELECT pg_advisory_lock(hashtextextended($1, 0)) IS NULL AS locked'
      : 'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked';
    const got = await client.query<{ locked: boolean }>(sql, [key]);
    if (!wait && !got.rows[0]?.locked) return undefined;
    try {
      return await fn(client);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => {
        // A connection that cannot unlock is destroyed below, which releases the lock.
        broken = true;
      });
    }
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    client.release(broken);
  }
}

export function withTicketLock<T>(
  pool: Pool,
  source: string,
  externalId: string,
  fn: (c: PoolClient) => Promise<T>,
): Promise<T> {
  return withLock(pool, lockKey(source, externalId), true, fn) as Promise<T>;
}

/** Undefined when another process holds the ticket right now (it will schedule it). */
export function tryTicketLock<T>(
  pool: Pool,
  source: string,
  externalId: string,
  fn: (c: PoolClient) => Promise<T>,
): Promise<T | undefined> {
  return withLock(pool, lockKey(source, externalId), false, fn);
}

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
  contextVersion: string;
  /** True when the ticket's status is not a grading status: the latest version is then 'skipped'. */
  skip: boolean;
}

// After the upsert, in one round trip: record the delivery, decide whether
// this row is the ticket's latest version and already graded, supersede older
// versions, and set this row's qc_status. (Data-modifying CTEs all run, read
// or not; they touch disjoint rows.)
const AFTER_UPSERT = `
  WITH delivery AS (
    INSERT INTO webhook_deliveries (source, delivery_id, ticket_id, content_hash, new_version, body_sha256)
    VALUES ($1, $3, $4, $5, $6, $7)
    ON CONFLICT (source, delivery_id) WHERE delivery_id IS NOT NULL
    DO UPDATE SET ticket_id = EXCLUDED.ticket_id, content_hash = EXCLUDED.content_hash
    RETURNING 1
  ), me AS (
    SELECT id, ticket_updated_at FROM tickets WHERE id = $4
  ), state AS (
    SELECT NOT EXISTS (SELECT 1 FROM tickets n, me
                       WHERE n.source = $1 AND n.external_id = $2
                         AND (n.ticket_updated_at, n.id) > (me.ticket_updated_at, me.id)) AS latest,
           EXISTS (SELECT 1 FROM qc_results r WHERE r.ticket_id = $4 AND r.context_version = $8) AS graded
  ), older AS (
    UPDATE tickets t SET qc_status = 'superseded' FROM state
    WHERE state.latest AND t.source = $1 AND t.external_id = $2 AND t.id <> $4
      AND t.qc_status IN ('stored', 'queued', 'skipped')
    RETURNING 1
  ), self AS (
    UPDATE tickets t
    SET qc_status = CASE WHEN NOT state.latest THEN 'superseded' WHEN $9::boolean THEN 'queued' ELSE 'skipped' END
    FROM state
    WHERE t.id = $4 AND t.qc_status IN ('stored', 'queued', 'skipped') AND NOT state.graded
    RETURNING 1
  )
  SELECT latest, graded FROM state`;

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
 * One transaction: delivery dedupe, the ticket version, the delivery record,
 * older versions superseded. A version that will be scheduled is marked
 * 'queued' here, optimistically; `markWaiting` puts it back to 'stored' when
 * Redis refuses (the reconciler treats both alike).
 */
export async function storeVersion(client: PoolClient, v: VersionInput): Promise<StoredVersion> {
  const { source, externalId } = v.ticket;
  await client.query('BEGIN');
  try {
    const seen = v.deliveryId ? await seenDelivery(client, source, v.deliveryId) : undefined;
    if (seen) {
      await client.query('COMMIT');
      return { ...seen, newVersion: false, duplicateDelivery: true, latest: false, graded: false };
    }
    const up = await upsertTicket(client, v.ticket);
    const state = await client.query<{ latest: boolean; graded: boolean }>(AFTER_UPSERT, [
      source,
      externalId,
      v.deliveryId ?? null,
      up.id,
      up.contentHash,
      up.inserted,
      v.bodySha256,
      v.contextVersion,
      !v.skip,
    ]);
    await client.query('COMMIT');
    const { latest = false, graded = false } = state.rows[0] ?? {};
    return {
      ticketId: up.id,
      contentHash: up.contentHash,
      newVersion: up.inserted,
      duplicateDelivery: false,
      latest,
      graded,
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The enqueue failed: the version waits in PostgreSQL for the reconciler. */
export async function markWaiting(client: PoolClient | Pool, ticketId: number): Promise<void> {
  await client.query(
    `UPDATE tickets SET qc_status = 'stored' WHERE id = $1 AND qc_status = 'queued'`,
    [ticketId],
  );
}

export async function markQueued(client: PoolClient | Pool, ticketId: number): Promise<void> {
  await client.query(
    `UPDATE tickets SET qc_status = 'queued' WHERE id = $1 AND qc_status IN ('stored', 'skipped')`,
    [ticketId],
  );
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
