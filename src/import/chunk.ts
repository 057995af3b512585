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

/**
 * A chunk in COPY form: one buffer, so each row's text is held once, and
 * where each version's row ends in it (to halve the chunk on a refused value).
 */
export interface Staged {
  data: Buffer;
  /** Byte offset just past version i's row. */
  ends: number[];
  /** The file lines version i stands for. */
  lines: number[][];
}

function slice(s: Staged, from: number, to: number): Staged {
  const start = from === 0 ? 0 : (s.ends[from - 1] ?? 0);
  return {
    data: s.data.subarray(start, s.ends[to - 1] ?? start),
    ends: s.ends.slice(from, to).map((e) => e - start),
    lines: s.lines.slice(from, to),
  };
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
  take(): Staged {
    const entries = [...this.byKey.values()];
    this.byKey.clear();
    const rows = entries.map((e) => copyLine(e.version));
    let size = 0;
    for (const row of rows) size += Buffer.byteLength(row);
    const data = Buffer.allocUnsafe(size);
    const ends: number[] = [];
    let at = 0;
    for (const row of rows) {
      at += data.write(row, at);
      ends.push(at);
    }
    return { data, ends, lines: entries.map((e) => e.lines) };
  }
}

const rowsOf = (staged: Staged) => staged.lines.reduce((n, l) => n + l.length, 0);

/**
 * Stores a chunk. When PostgreSQL refuses a value (SQLSTATE class 22) the
 * chunk is halved until the refused rows are found: they become rejects with
 * PostgreSQL's reason, every other row is stored. Any other error fails.
 */
export async function storeChunk(
  pool: Pool,
  staged: Staged,
  lane: 'realtime' | 'batch' = 'batch',
): Promise<ChunkResult> {
  const versions = staged.ends.length;
  if (versions === 0) return { stored: 0, inserted: 0, gold: 0, rejects: [] };
  try {
    const r = await storeVersionChunk(pool, staged.data, versions, lane);
    return { stored: rowsOf(staged), inserted: r.inserted, gold: r.gold, rejects: [] };
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (versions === 1) {
      const { message, detail } = err as Error & { detail?: string };
      const reason = `PostgreSQL refused the row: ${message}${detail ? ` (${detail})` : ''}`;
      return {
        stored: 0,
        inserted: 0,
        gold: 0,
        rejects: (staged.lines[0] ?? []).map((line) => ({ line, reason })),
      };
    }
    const half = Math.ceil(versions / 2);
    const a = await storeChunk(pool, slice(staged, 0, half), lane);
    const b = await storeChunk(pool, slice(staged, half, versions), lane);
    return {
      stored: a.stored + b.stored,
      inserted: a.inserted + b.inserted,
      gold: a.gold + b.gold,
      rejects: [...a.rejects, ...b.rejects].sort((x, y) => x.line - y.line),
    };
  }
}
