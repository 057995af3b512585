import { from as copyFrom } from 'pg-copy-streams';
import { copyData, NULL_FIELD } from './copy-text.js';
import type { Pool, PoolClient } from './pool.js';

/**
 * Bulk storage of imported ticket versions (issue 13, point 6). A chunk whose
 * versions are all new is COPied straight into `tickets` and `gold_labels`;
 * any other chunk is streamed with COPY into a temporary staging table, then
 * moved into `tickets` and `gold_labels` by set statements. Both paths store
 * the same rows, keys, lanes and gold rules as `upsertTicketRows` +
 * `upsertImportedGold`, at a fraction of the cost of parameter arrays.
 */

/**
 * A version as the chunk holds it: its key, its `tickets` columns (source …
 * ticket_updated_at, `ticketFieldParts`) and its gold label (`goldField`) in COPY
 * text, each written once into the chunk's buffers and only sliced from there.
 */
export interface BulkRow {
  source: string;
  externalId: string;
  contentHash: string;
  fields: Buffer;
  gold: Buffer | null;
}

export interface BulkResult {
  /** New versions stored. */
  inserted: number;
  /** Gold labels written or kept (rows that carried one). */
  gold: number;
}

// Per connection, emptied by every commit (and by a rollback): nothing to clean up.
const STAGE = `CREATE TEMP TABLE IF NOT EXISTS ticket_import_stage (
  source TEXT NOT NULL, external_id TEXT NOT NULL, content_hash TEXT NOT NULL, status TEXT NOT NULL,
  assignee TEXT, subject TEXT NOT NULL, ticket JSONB NOT NULL, ticket_updated_at TIMESTAMPTZ NOT NULL,
  gold JSONB) ON COMMIT DELETE ROWS`;

const COPY_STAGE = 'COPY ticket_import_stage FROM STDIN';

// The first-import path: which of the chunk's versions are stored already (one
// index probe each), and, when none is, ids for all of them, so both tables
// can be filled by COPY and the gold labels know their tickets' ids.
const PROBE = `
  WITH known AS (
    SELECT count(*) AS n FROM unnest($1::text[], $2::text[], $3::text[]) AS k(source, external_id, content_hash)
     WHERE EXISTS (SELECT 1 FROM tickets t WHERE t.source = k.source AND t.external_id = k.external_id
                      AND t.content_hash = k.content_hash))
  SELECT (SELECT n FROM known)::int AS known,
         CASE WHEN (SELECT n FROM known) = 0
              THEN ARRAY(SELECT nextval('tickets_id_seq')::text FROM generate_series(1, cardinality($1::text[])))
         END AS ids`;

// Ids given, so no volatile default is left for COPY to evaluate per row and it
// inserts in batches; received_at and qc_status take their defaults as in STORE.
// Ids for a chunk COPied without a probe (a unique violation then says some version was stored).
const IDS = `SELECT ARRAY(SELECT nextval('tickets_id_seq')::text FROM generate_series(1, $1::int)) AS ids`;

const COPY_TICKETS = `COPY tickets (source, external_id, content_hash, status, assignee, subject, ticket,
  ticket_updated_at, lane, id) FROM STDIN`;
const COPY_GOLD = 'COPY gold_labels (ticket_id, gold) FROM STDIN';

// The stored version of a staged row, by the unique index. A plain join lets
// the planner, blind to the staging table's size, hash all of tickets for
// every chunk; LATERAL … LIMIT 1 keeps it to one index probe per row.
const EXISTING = `SELECT id FROM tickets t WHERE t.source = s.source AND t.external_id = s.external_id
   AND t.content_hash = s.content_hash LIMIT 1`;

// Staged rows into tickets and gold_labels in one statement. New versions go
// to the given lane; a version already stored keeps its own (issue 12). A
// reviewer's label (origin 'review') outranks a re-imported one; an identical
// label is not rewritten. The existing versions are read in the statement's
// snapshot, so a version another transaction committed meanwhile is neither
// inserted (DO NOTHING waits for it) nor seen: `matched` then falls short of
// the staged rows and the caller runs STORE_AGAIN, whose later snapshot sees it.
const STORE = `
  WITH ins AS (
    INSERT INTO tickets (source, external_id, content_hash, status, assignee, subject, ticket, ticket_updated_at, lane)
    SELECT source, external_id, content_hash, status, assignee, subject, ticket, ticket_updated_at, $1::text
      FROM ticket_import_stage
    ON CONFLICT (source, external_id, content_hash) DO NOTHING
    RETURNING id, source, external_id, content_hash
  ), m AS (
    SELECT i.id, s.gold FROM ticket_import_stage s
      JOIN ins i ON i.source = s.source AND i.external_id = s.external_id AND i.content_hash = s.content_hash
    UNION ALL
    SELECT t.id, s.gold FROM ticket_import_stage s CROSS JOIN LATERAL (${EXISTING}) t
  ), up AS (
    INSERT INTO gold_labels (ticket_id, gold, origin)
    SELECT id, gold, 'import' FROM m WHERE gold IS NOT NULL
    ON CONFLICT (ticket_id) DO UPDATE SET gold = EXCLUDED.gold
    WHERE gold_labels.origin = 'import' AND gold_labels.gold IS DISTINCT FROM EXCLUDED.gold
  )
  SELECT (SELECT count(*) FROM ins)::int AS inserted, count(*)::int AS matched,
         count(gold)::int AS gold FROM m`;

// The fallback: versions stored by someone else between our snapshot and our
// insert (or erased meanwhile, then stored again). Both statements see
// everything committed before they start.
const STORE_AGAIN = [
  `INSERT INTO tickets (source, external_id, content_hash, status, assignee, subject, ticket, ticket_updated_at, lane)
   SELECT source, external_id, content_hash, status, assignee, subject, ticket, ticket_updated_at, $1::text
     FROM ticket_import_stage
   ON CONFLICT (source, external_id, content_hash) DO NOTHING`,
  `WITH m AS (
     SELECT t.id, s.gold FROM ticket_import_stage s CROSS JOIN LATERAL (${EXISTING}) t
   ), up AS (
     INSERT INTO gold_labels (ticket_id, gold, origin)
     SELECT id, gold, 'import' FROM m WHERE gold IS NOT NULL
     ON CONFLICT (ticket_id) DO UPDATE SET gold = EXCLUDED.gold
     WHERE gold_labels.origin = 'import' AND gold_labels.gold IS DISTINCT FROM EXCLUDED.gold
   )
   SELECT count(*)::int AS matched, count(gold)::int AS gold FROM m`,
] as const;

/**
 * Per connection: the staging table exists, and how a chunk's transaction
 * begins. Where the server has lz4, the staged JSON is compressed with it
 * rather than pglz (about twice as fast to COPY in), and `tickets.ticket`
 * (lz4 since migration 018) takes the compressed value as it is.
 */
const prepared = new WeakMap<PoolClient, string>();

async function prepare(client: PoolClient): Promise<string> {
  let begin = prepared.get(client);
  if (begin === undefined) {
    await client.query(STAGE);
    const lz4 = await client.query<{ lz4: boolean }>(
      `SELECT 'lz4' = ANY (enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'`,
    );
    begin = lz4.rows[0]?.lz4 ? 'BEGIN; SET LOCAL default_toast_compression = lz4' : 'BEGIN';
    prepared.set(client, begin);
  }
  return begin;
}

/** COPY of a whole buffer: the socket drains it without waiting on the event loop. */
async function copyIn(client: PoolClient, statement: string, data: Buffer): Promise<void> {
  const stream = client.query(copyFrom(statement));
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('finish', resolve);
    stream.end(data);
  });
}

/** How a chunk was stored: straight into the tables, or through the staging table. */
export type StorePath = 'copy' | 'staged';

/**
 * Stores one chunk of distinct versions in one transaction. When none of
 * them is stored yet (a first import, the common case), the chunk is
 * COPied straight into `tickets` and `gold_labels`: no staging table, no
 * ON CONFLICT, the ticket JSON written once. Otherwise — a re-import, a
 * resumed import, or another writer storing one of them meanwhile (the
 * unique key then fails the COPY, and the chunk starts over) — it goes
 * through the staging table and STORE, which merges. Both give the same rows.
 * A SQLSTATE class 22 error (a value PostgreSQL refuses) rolls the chunk
 * back and is rethrown for the caller to isolate the row.
 */
export async function storeVersionChunk(
  pool: Pool,
  rows: readonly BulkRow[],
  lane: 'realtime' | 'batch' = 'batch',
  opts: {
    /** false: always the staging path (tests compare the two). */
    direct?: boolean;
    /**
     * Ask first whether any version is stored (one index probe each). Without
     * it the chunk is COPied at once and a unique violation sends it through
     * staging: cheaper while nothing is stored yet, which the caller knows
     * from the previous chunk.
     */
    probe?: boolean;
  } = {},
): Promise<BulkResult & { path: StorePath }> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    const begin = await prepare(client);
    await client.query(begin);
    if (opts.direct !== false) {
      const stored = await storeNew(client, rows, lane, opts.probe !== false);
      if (stored === 'race') {
        await client.query('ROLLBACK');
        await client.query(begin);
      } else if (stored !== 'known') {
        await client.query('COMMIT');
        return { ...stored, path: 'copy' };
      }
    }
    const stored = await storeStaged(client, rows, lane);
    await client.query('COMMIT');
    return { ...stored, path: 'staged' };
  } catch (err) {
    broken = err;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // A connection whose COPY broke mid-stream may be out of step: do not reuse it.
    client.release(broken !== undefined && !isDataError(broken) ? toError(broken) : undefined);
  }
}

/**
 * The first-import path, inside the chunk's transaction: 'known' when the
 * probe finds a version stored already (nothing done), 'race' when the COPY
 * met one (stored by another writer since the probe, or not probed for): the
 * transaction is then aborted.
 */
async function storeNew(
  client: PoolClient,
  rows: readonly BulkRow[],
  lane: string,
  probe: boolean,
): Promise<BulkResult | 'known' | 'race'> {
  const found = probe
    ? await client.query<{ known: number; ids: string[] | null }>(PROBE, [
        rows.map((r) => r.source),
        rows.map((r) => r.externalId),
        rows.map((r) => r.contentHash),
      ])
    : await client.query<{ ids: string[] }>(IDS, [rows.length]);
  const ids = found.rows[0]?.ids;
  if (!ids || ids.length !== rows.length) return 'known';
  try {
    let i = 0;
    const tickets = copyData(rows, (r) => [r.fields, '\t', lane, '\t', ids[i++] as string]);
    await copyIn(client, COPY_TICKETS, tickets);
    let gold = 0;
    i = 0;
    const labels = copyData(rows, (r) => {
      const id = ids[i++] as string;
      if (r.gold === null) return null;
      gold++;
      return [id, '\t', r.gold];
    });
    if (gold > 0) await copyIn(client, COPY_GOLD, labels);
    return { inserted: rows.length, gold };
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === '23505') return 'race';
    throw err;
  }
}

/** The merging path, inside the chunk's transaction: COPY into staging, then STORE. */
async function storeStaged(
  client: PoolClient,
  rows: readonly BulkRow[],
  lane: string,
): Promise<BulkResult> {
  await copyIn(
    client,
    COPY_STAGE,
    copyData(rows, (r) => [r.fields, '\t', r.gold ?? NULL_FIELD]),
  );
  const r = await client.query<{ inserted: number; matched: number; gold: number }>(STORE, [lane]);
  let { inserted = 0, matched = 0, gold = 0 } = r.rows[0] ?? {};
  // Short only under a race (see STORE); a third miss means versions keep vanishing.
  for (let attempt = 1; matched < rows.length; attempt++) {
    if (attempt > 2) {
      throw new Error(
        `import: ${rows.length - matched} staged version(s) disappeared from tickets while being stored`,
      );
    }
    inserted += (await client.query(STORE_AGAIN[0], [lane])).rowCount ?? 0;
    const again = await client.query<{ matched: number; gold: number }>(STORE_AGAIN[1]);
    ({ matched = 0, gold = 0 } = again.rows[0] ?? {});
  }
  return { inserted, gold };
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err), { cause: err });
}

/** SQLSTATE class 22: PostgreSQL refused a value (bad text, JSON, timestamp…). */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}
