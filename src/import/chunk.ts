import type { Pool } from '../db/pool.js';
import { type BulkVersion, copyLine, isDataError, storeVersionChunk } from '../db/ticket-bulk.js';
import { contentHash } from '../ticket/hash.js';
import type { Ticket } from '../ticket/schema.js';
import type { Gold } from './jsonl.js';
import type { Reject } from './rejects.js';

/** A version to store and the file lines that carried it (a repeated row folds into one). */
interface Entry {
  version: BulkVersion;
  lines: number[];
}

/** One staged version in COPY form, with the lines it stands for. */
interface Staged {
  copy: string;
  lines: number[];
}

export interface ChunkResult {
  /** Rows stored (new or already there), repeated rows included. */
  stored: number;
  inserted: number;
  gold: number;
  rejects: Reject[];
}

// JSON.stringify writes a NUL as the escape \u0000, which jsonb refuses ("unsupported
// Unicode escape sequence"); an escaped backslash before "u0000" is text, not a NUL.
const NUL_ESCAPE = /(?<!\\)(?:\\\\)*\\u0000/;

/** The path of the first string (or key) holding a NUL character, for the reject's reason. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = nulPath(value[i], `${path}.${i}`);
      if (p) return p;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\0')) return `${path} (a key)`;
      const p = nulPath(v, `${path}.${k}`);
      if (p) return p;
    }
  }
  return undefined;
}

/**
 * The rows of one COPY chunk. Each ticket is hashed and serialized once, when
 * added. Rows repeating a version already in the chunk fold into it (the
 * later row's ticket, its gold label or else the earlier one's), as
 * `upsertMany` does: PostgreSQL would otherwise see the same key twice.
 */
export class Chunk {
  private readonly byKey = new Map<string, Entry>();
  /** Rows added, repeated ones included. */
  rows = 0;

  /** Adds a validated row; returns why it cannot be stored, or undefined. */
  add(line: number, ticket: Ticket, gold: Gold | undefined): string | undefined {
    const ticketJson = JSON.stringify(ticket);
    const goldJson = gold === undefined ? null : JSON.stringify(gold);
    if (
      (ticketJson.includes('\\u0000') && NUL_ESCAPE.test(ticketJson)) ||
      (goldJson?.includes('\\u0000') && NUL_ESCAPE.test(goldJson))
    ) {
      const where = nulPath(ticket, 'ticket') ?? nulPath(gold, 'gold') ?? 'a value';
      return `${where}: contains a NUL character (\\u0000), which PostgreSQL cannot store in text or JSON; remove it and import the row again`;
    }
    const hash = contentHash(ticket);
    const key = `${ticket.source}\n${ticket.externalId}\n${hash}`;
    const version: BulkVersion = {
      source: ticket.source,
      externalId: ticket.externalId,
      contentHash: hash,
      status: ticket.status,
      assignee: ticket.assignee?.name ?? ticket.assignee?.email ?? null,
      subject: ticket.subject,
      ticketJson,
      updatedAt: ticket.updatedAt,
      goldJson,
    };
    this.rows++;
    const prev = this.byKey.get(key);
    if (prev) {
      prev.version = { ...version, goldJson: goldJson ?? prev.version.goldJson };
      prev.lines.push(line);
    } else {
      this.byKey.set(key, { version, lines: [line] });
    }
    return undefined;
  }

  /** The chunk in COPY form; the chunk is spent. */
  take(): Staged[] {
    const out = [...this.byKey.values()].map((e) => ({
      copy: copyLine(e.version),
      lines: e.lines,
    }));
    this.byKey.clear();
    return out;
  }
}

const rowsOf = (staged: readonly Staged[]) => staged.reduce((n, s) => n + s.lines.length, 0);

/**
 * Stores a chunk. When PostgreSQL refuses a value (SQLSTATE class 22) the
 * chunk is halved until the refused rows are found: they become rejects with
 * PostgreSQL's reason, every other row is stored. Any other error fails.
 */
export async function storeChunk(
  pool: Pool,
  staged: Staged[],
  lane: 'realtime' | 'batch' = 'batch',
): Promise<ChunkResult> {
  if (staged.length === 0) return { stored: 0, inserted: 0, gold: 0, rejects: [] };
  try {
    const r = await storeVersionChunk(
      pool,
      staged.map((s) => s.copy),
      lane,
    );
    return { stored: rowsOf(staged), inserted: r.inserted, gold: r.gold, rejects: [] };
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (staged.length === 1) {
      const { message, detail } = err as Error & { detail?: string };
      const reason = `PostgreSQL refused the row: ${message}${detail ? ` (${detail})` : ''}`;
      return {
        stored: 0,
        inserted: 0,
        gold: 0,
        rejects: (staged[0]?.lines ?? []).map((line) => ({ line, reason })),
      };
    }
    const half = Math.ceil(staged.length / 2);
    const a = await storeChunk(pool, staged.slice(0, half), lane);
    const b = await storeChunk(pool, staged.slice(half), lane);
    return {
      stored: a.stored + b.stored,
      inserted: a.inserted + b.inserted,
      gold: a.gold + b.gold,
      rejects: [...a.rejects, ...b.rejects].sort((x, y) => x.line - y.line),
    };
  }
}
