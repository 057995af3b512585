import type { Pool } from '../db/pool.js';
import { copyLine, isDataError, storeVersionChunk } from '../db/ticket-bulk.js';
import { contentHash } from '../ticket/hash.js';
import type { Ticket } from '../ticket/schema.js';
import type { Gold } from './jsonl.js';
import type { Reject } from './rejects.js';

/** A version's row in the chunk's buffer, and the file lines that carried it. */
interface Entry {
  start: number;
  end: number;
  /** Kept for a later repeat of the version that carries no label of its own. */
  goldJson: string | null;
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
 * added, straight into the chunk's buffer: a row's strings die young instead
 * of being carried through garbage collections until the chunk is sent.
 * Rows repeating a version already in the chunk fold into it (the later
 * row's ticket, its gold label or else the earlier one's), as `upsertMany`
 * does: PostgreSQL would otherwise see the same key twice.
 */
export class Chunk {
  private readonly byKey = new Map<string, Entry>();
  private buf: Buffer;
  private at = 0;
  /** A repeat leaves its earlier row behind in the buffer: take() skips it. */
  private repeats = 0;
  /** Rows added, repeated ones included. */
  rows = 0;

  constructor(bytes = 8 << 20) {
    this.buf = Buffer.allocUnsafe(bytes);
  }

  /** Adds a validated row; returns why it cannot be stored, or undefined. */
  add(line: number, ticket: Ticket, gold: Gold | undefined): string | undefined {
    const ticketJson = JSON.stringify(ticket);
    let goldJson = gold === undefined ? null : JSON.stringify(gold);
    if (
      (ticketJson.includes('\\u0000') && NUL_ESCAPE.test(ticketJson)) ||
      (goldJson?.includes('\\u0000') && NUL_ESCAPE.test(goldJson))
    ) {
      const where = nulPath(ticket, 'ticket') ?? nulPath(gold, 'gold') ?? 'a value';
      return `${where}: contains a NUL character (\\u0000), which PostgreSQL cannot store in text or JSON; remove it and import the row again`;
    }
    const hash = contentHash(ticket);
    const key = `${ticket.source}\n${ticket.externalId}\n${hash}`;
    const prev = this.byKey.get(key);
    goldJson ??= prev?.goldJson ?? null;
    const row = copyLine({
      source: ticket.source,
      externalId: ticket.externalId,
      contentHash: hash,
      status: ticket.status,
      assignee: ticket.assignee?.name ?? ticket.assignee?.email ?? null,
      subject: ticket.subject,
      ticketJson,
      updatedAt: ticket.updatedAt,
      goldJson,
    });
    const start = this.at;
    this.append(row);
    this.rows++;
    if (prev) {
      Object.assign(prev, { start, end: this.at, goldJson });
      prev.lines.push(line);
      this.repeats++;
    } else {
      this.byKey.set(key, { start, end: this.at, goldJson, lines: [line] });
    }
    return undefined;
  }

  private append(row: string): void {
    const bytes = Buffer.byteLength(row);
    if (this.at + bytes > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    this.at += this.buf.write(row, this.at);
  }

  /** The chunk in COPY form, versions in order of first appearance; the chunk is spent. */
  take(): Staged {
    const entries = [...this.byKey.values()];
    this.byKey.clear();
    const lines = entries.map((e) => e.lines);
    if (this.repeats === 0) {
      return { data: this.buf.subarray(0, this.at), ends: entries.map((e) => e.end), lines };
    }
    // Only the latest row of each repeated version is sent.
    const data = Buffer.allocUnsafe(entries.reduce((n, e) => n + e.end - e.start, 0));
    const ends: number[] = [];
    let at = 0;
    for (const e of entries) {
      at += this.buf.copy(data, at, e.start, e.end);
      ends.push(at);
    }
    return { data, ends, lines };
  }
}

/**
 * Another writer of the same tickets (a second import, ingest) may deadlock
 * with a chunk (40P01) or make it fail serialization (40001): PostgreSQL rolled
 * the chunk back whole, so it is simply stored again, a few times.
 */
async function withRetry<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      if (i >= attempts || (code !== '40P01' && code !== '40001')) throw err;
    }
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
    const r = await withRetry(() => storeVersionChunk(pool, staged.data, versions, lane));
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
