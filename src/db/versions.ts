import { Ticket } from '../ticket/schema.js';
import type { Pool, PoolClient, Queryable } from './pool.js';
import { transitionQcStatus } from './qc-status.js';
import { endThreadWaits, holdForThread } from './threads.js';
import { upsertTicketVersions } from './tickets.js';

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

// After the upsert, in one round trip for every row: record the deliveries,
// and decide whether each row is its ticket's latest version and already
// graded. (Data-modifying CTEs all run, read or not.)
const AFTER_UPSERT = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::boolean[], $7::text[])
      AS x(source, external_id, delivery_id, ticket_id, content_hash, new_version, body_sha256)
  ), delivery AS (
    INSERT INTO webhook_deliveries (source, delivery_id, ticket_id, content_hash, new_version, body_sha256)
    SELECT source, delivery_id, ticket_id, content_hash, new_version, body_sha256 FROM input
    ON CONFLICT (source, delivery_id) WHERE delivery_id IS NOT NULL
    DO UPDATE SET ticket_id = EXCLUDED.ticket_id, content_hash = EXCLUDED.content_hash
    RETURNING 1
  )
  SELECT i.ticket_id AS id,
         NOT EXISTS (SELECT 1 FROM tickets n, tickets me
                     WHERE me.id = i.ticket_id AND n.source = i.source AND n.external_id = i.external_id
                       AND (n.ticket_updated_at, n.id) > (me.ticket_updated_at, me.id)) AS latest,
         EXISTS (SELECT 1 FROM qc_results r WHERE r.ticket_id = i.ticket_id AND r.context_version = $8) AS graded
  FROM input i`;

/** The ticket versions and content hashes these vendor delivery ids were first accepted as. */
async function seenDeliveries(
  client: Queryable,
  keys: readonly { source: string; deliveryId: string }[],
): Promise<Map<string, { ticketId: number; contentHash: string }>> {
  const seen = new Map<string, { ticketId: number; contentHash: string }>();
  if (keys.length === 0) return seen;
  const r = await client.query<{
    source: string;
    delivery_id: string;
    ticket_id: number | null;
    content_hash: string | null;
  }>(
    `SELECT d.source, d.delivery_id, d.ticket_id, d.content_hash FROM webhook_deliveries d
     JOIN unnest($1::text[], $2::text[]) AS k(source, delivery_id) USING (source, delivery_id)`,
    [keys.map((k) => k.source), keys.map((k) => k.deliveryId)],
  );
  for (const row of r.rows)
    if (row.ticket_id && row.content_hash)
      seen.set(deliveryKey(row.source, row.delivery_id), {
        ticketId: row.ticket_id,
        contentHash: row.content_hash,
      });
  return seen;
}

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
  return (await seenDeliveries(client, [{ source, deliveryId }])).get(
    deliveryKey(source, deliveryId),
  );
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
 * One transaction for a group of deliveries, each under its ticket's lock
 * (`LOCKS.ticket`, held by the caller): delivery dedupe, the ticket versions,
 * the delivery records, older versions superseded, thread waits held or
 * ended — a fixed number of statements whatever the group's size. The rows
 * must name distinct tickets and distinct delivery ids. A version that will
 * be scheduled is marked 'queued' here, optimistically; `markWaiting` puts it
 * back to 'stored' when Redis refuses (the reconciler treats both alike).
 * Any error rolls the whole group back.
 */
export async function storeVersions(
  client: PoolClient,
  rows: readonly VersionInput[],
  contextVersion: string,
): Promise<StoredVersion[]> {
  await client.query('BEGIN');
  try {
    const withIds = rows.flatMap((v) =>
      v.deliveryId ? [{ source: v.ticket.source, deliveryId: v.deliveryId }] : [],
    );
    const seen = await seenDeliveries(client, withIds);
    const out: StoredVersion[] = new Array(rows.length);
    const fresh: number[] = [];
    rows.forEach((v, i) => {
      const s = v.deliveryId ? seen.get(deliveryKey(v.ticket.source, v.deliveryId)) : undefined;
      if (s)
        out[i] = { ...s, newVersion: false, duplicateDelivery: true, latest: false, graded: false };
      else fresh.push(i);
    });
    if (fresh.length) await storeFresh(client, rows, fresh, contextVersion, out);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

async function storeFresh(
  client: PoolClient,
  rows: readonly VersionInput[],
  fresh: readonly number[],
  contextVersion: string,
  out: StoredVersion[],
): Promise<void> {
  const inputs = fresh.map((i) => rows[i] as VersionInput);
  const ups = await upsertTicketVersions(
    client,
    inputs.map((v) => v.ticket),
  );
  const state = await client.query<{ id: number; latest: boolean; graded: boolean }>(AFTER_UPSERT, [
    inputs.map((v) => v.ticket.source),
    inputs.map((v) => v.ticket.externalId),
    inputs.map((v) => v.deliveryId ?? null),
    ups.map((u) => u.id),
    ups.map((u) => u.contentHash),
    ups.map((u) => u.inserted),
    inputs.map((v) => v.bodySha256),
    contextVersion,
  ]);
  const byId = new Map(state.rows.map((r) => [r.id, r]));
  // The latest versions supersede the others; each version is superseded when
  // it is not the latest, else queued or skipped — unless already graded.
  const latestIds: number[] = [];
  const self: Record<'supersede' | 'skip' | 'schedule', number[]> = {
    supersede: [],
    skip: [],
    schedule: [],
  };
  const holds: number[] = [];
  const ended: number[] = [];
  ups.forEach((u, k) => {
    const v = inputs[k] as VersionInput;
    const { latest = false, graded = false } = byId.get(u.id) ?? {};
    out[fresh[k] as number] = {
      ticketId: u.id,
      contentHash: u.contentHash,
      newVersion: u.inserted,
      duplicateDelivery: false,
      latest,
      graded,
    };
    if (latest) latestIds.push(u.id);
    if (!graded) self[!latest ? 'supersede' : v.skip ? 'skip' : 'schedule'].push(u.id);
    if (latest && !graded) {
      ended.push(u.id);
      if (v.holdForThread) holds.push(u.id);
    }
  });
  await transitionQcStatus(client, 'supersede', { otherVersionsOf: latestIds });
  for (const [name, ids] of Object.entries(self) as [keyof typeof self, number[]][])
    await transitionQcStatus(client, name, { ids });
  // A version still without its thread takes over the wait — held first, so
  // it inherits the first wait's start and a stream of thread-less updates
  // cannot postpone the timeout — then older waits end.
  for (const id of holds) await holdForThread(client, id);
  await endThreadWaits(client, ended);
}

/** The enqueue failed: these versions wait in PostgreSQL for the reconciler. */
export async function markWaiting(client: Queryable, ticketIds: readonly number[]): Promise<void> {
  await transitionQcStatus(client, 'wait', { ids: ticketIds });
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
