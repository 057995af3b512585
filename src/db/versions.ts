import { Ticket } from '../ticket/schema.js';
import type { Pool, PoolClient, Queryable } from './pool.js';
import { transitionQcStatus } from './qc-status.js';
import { upsertTicket } from './tickets.js';

/**
 * The PostgreSQL half of ingest, run under the ticket's advisory lock
 * (`LOCKS.ticket`), held from the upsert until its job is scheduled.
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
  contextVersion: string;
  /** True when the ticket's status is not a grading status: the latest version is then 'skipped'. */
  skip: boolean;
}

// After the upsert, in one round trip: record the delivery, and decide whether
// this row is the ticket's latest version and already graded. (Data-modifying
// CTEs all run, read or not.) The qc_status transitions follow in the same
// transaction, through transitionQcStatus.
const AFTER_UPSERT = `
  WITH delivery AS (
    INSERT INTO webhook_deliveries (source, delivery_id, ticket_id, content_hash, new_version, body_sha256)
    VALUES ($1, $3, $4, $5, $6, $7)
    ON CONFLICT (source, delivery_id) WHERE delivery_id IS NOT NULL
    DO UPDATE SET ticket_id = EXCLUDED.ticket_id, content_hash = EXCLUDED.content_hash
    RETURNING 1
  ), me AS (
    SELECT id, ticket_updated_at FROM tickets WHERE id = $4
  )
  SELECT NOT EXISTS (SELECT 1 FROM tickets n, me
                     WHERE n.source = $1 AND n.external_id = $2
                       AND (n.ticket_updated_at, n.id) > (me.ticket_updated_at, me.id)) AS latest,
         EXISTS (SELECT 1 FROM qc_results r WHERE r.ticket_id = $4 AND r.context_version = $8) AS graded`;

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
    ]);
    const { latest = false, graded = false } = state.rows[0] ?? {};
    // The latest version supersedes the others; this one is superseded when
    // it is not the latest, else queued or skipped — unless already graded.
    if (latest) await transitionQcStatus(client, 'supersede', { otherVersionsOf: up.id });
    if (!graded) {
      const self = !latest ? 'supersede' : v.skip ? 'skip' : 'schedule';
      await transitionQcStatus(client, self, { ids: [up.id] });
    }
    await client.query('COMMIT');
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
export async function markWaiting(client: Queryable, ticketId: number): Promise<void> {
  await transitionQcStatus(client, 'wait', { ids: [ticketId] });
}

export async function markQueued(client: Queryable, ticketId: number): Promise<void> {
  await transitionQcStatus(client, 'reconcile', { ids: [ticketId] });
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
