import { from as copyFrom } from 'pg-copy-streams';
import type { Pool, PoolClient } from './pool.js';

/**
 * Bulk storage of imported ticket versions (issue 13, point 6): a chunk is
 * streamed with COPY into a temporary staging table, then moved into
 * `tickets` and `gold_labels` by two set statements — the same rows, keys,
 * lanes and gold rules as `upsertTicketRows` + `upsertImportedGold`, at a
 * fraction of the cost of parameter arrays.
 */

/** One ticket version, every value serialized once by the caller. */
export interface BulkVersion {
  source: string;
  externalId: string;
  contentHash: string;
  status: string;
  assignee: string | null;
  subject: string;
  /** JSON.stringify of the canonical Ticket, as `upsertTicketRows` stores it. */
  ticketJson: string;
  updatedAt: string;
  /** JSON of the gold label, or null. */
  goldJson: string | null;
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

const COPY = 'COPY ticket_import_stage FROM STDIN';

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

/** COPY text format: backslash, and the row/column separators, escaped. */
function text(s: string): string {
  return /[\\\n\r\t]/.test(s)
    ? s.replace(/[\\\n\r\t]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
      )
    : s;
}

/** JSON text never holds a raw newline or tab (JSON escapes them): only backslashes double. */
function json(s: string): string {
  return s.includes('\\') ? s.replaceAll('\\', '\\\\') : s;
}

/** One staging row in COPY text format, newline-terminated. */
export function copyLine(v: BulkVersion): string {
  return `${text(v.source)}\t${text(v.externalId)}\t${v.contentHash}\t${text(v.status)}\t${
    v.assignee === null ? '\\N' : text(v.assignee)
  }\t${text(v.subject)}\t${json(v.ticketJson)}\t${text(v.updatedAt)}\t${
    v.goldJson === null ? '\\N' : json(v.goldJson)
  }\n`;
}

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

/** COPY of the whole chunk as one buffer: the socket drains it without waiting on the event loop. */
async function copyIn(client: PoolClient, data: Buffer): Promise<void> {
  const stream = client.query(copyFrom(COPY));
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('finish', resolve);
    stream.end(data);
  });
}

/**
 * Stores one chunk of `rows` distinct versions (`copyLine` rows, concatenated) in one
 * transaction. A SQLSTATE class 22 error (a value PostgreSQL refuses) rolls
 * the chunk back and is rethrown for the caller to isolate the row.
 */
export async function storeVersionChunk(
  pool: Pool,
  data: Buffer,
  rows: number,
  lane: 'realtime' | 'batch' = 'batch',
): Promise<BulkResult> {
  const client = await pool.connect();
  let broken: unknown;
  try {
    await client.query(await prepare(client));
    await copyIn(client, data);
    const r = await client.query<{ inserted: number; matched: number; gold: number }>(STORE, [
      lane,
    ]);
    let { inserted = 0, matched = 0, gold = 0 } = r.rows[0] ?? {};
    // Short only under a race (see STORE); a third miss means versions keep vanishing.
    for (let attempt = 1; matched < rows; attempt++) {
      if (attempt > 2) {
        throw new Error(
          `import: ${rows - matched} staged version(s) disappeared from tickets while being stored`,
        );
      }
      inserted += (await client.query(STORE_AGAIN[0], [lane])).rowCount ?? 0;
      const again = await client.query<{ matched: number; gold: number }>(STORE_AGAIN[1]);
      ({ matched = 0, gold = 0 } = again.rows[0] ?? {});
    }
    await client.query('COMMIT');
    return { inserted, gold };
  } catch (err) {
    broken = err;
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    // A connection whose COPY broke mid-stream may be out of step: do not reuse it.
    client.release(broken !== undefined && !isDataError(broken) ? toError(broken) : undefined);
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err), { cause: err });
}

/** SQLSTATE class 22: PostgreSQL refused a value (bad text, JSON, timestamp…). */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}
