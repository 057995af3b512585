import { goldField, ticketFieldParts } from '../db/copy-text.js';
import type { Pool } from '../db/pool.js';
import { type BulkRow, isDataError, storeVersionChunk } from '../db/ticket-bulk.js';
import type { Ticket } from '../ticket/schema.js';
import { goldJson, importHash, ticketJson } from './canonical.js';
import type { Gold } from './jsonl.js';
import type { Reject } from './rejects.js';

/** Where a version's columns and label sit in the chunk's buffers, and the file lines that carried it. */
interface Entry {
  source: string;
  externalId: string;
  contentHash: string;
  fields: [number, number];
  /** Kept for a later repeat of the version that carries no label of its own. */
  gold: [number, number] | null;
  lines: number[];
}

/** A chunk ready to store: its distinct versions, and the file lines each stands for. */
export interface Staged {
  rows: BulkRow[];
  lines: number[][];
}

function slice(s: Staged, from: number, to: number): Staged {
  return { rows: s.rows.slice(from, to), lines: s.lines.slice(from, to) };
}

export interface ChunkResult {
  /** Rows stored (new or already there), repeated rows included. */
  stored: number;
  inserted: number;
  gold: number;
  /** Versions stored by the first-import path (COPY straight into the tables). */
  copied: number;
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

/** A growing byte buffer: each value is encoded into it once. */
class Bytes {
  buf: Buffer;
  at = 0;

  constructor(bytes: number) {
    this.buf = Buffer.allocUnsafe(bytes);
  }

  /** Appends the texts as UTF-8, one after another; returns where they start and end. */
  append(...texts: string[]): [number, number] {
    const start = this.at;
    for (const text of texts) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit: room is checked without measuring.
      if (this.at + text.length * 3 > this.buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + text.length * 3));
        this.buf.copy(bigger, 0, 0, this.at);
        this.buf = bigger;
      }
      this.at += this.buf.write(text, this.at);
    }
    return [start, this.at];
  }
}

/**
 * The rows of one COPY chunk. Each ticket is hashed and serialized once, when
 * added, straight into the chunk's buffers: a row's strings die young instead
 * of being carried through garbage collections until the chunk is sent.
 * Rows repeating a version already in the chunk fold into it (the later
 * row's ticket, its gold label or else the earlier one's), as `upsertMany`
 * does: PostgreSQL would otherwise see the same key twice.
 */
export class Chunk {
  private readonly byKey = new Map<string, Entry>();
  private readonly fields: Bytes;
  private readonly gold: Bytes;
  /** Rows added, repeated ones included. */
  rows = 0;

  constructor(bytes = 8 << 20) {
    this.fields = new Bytes(bytes);
    this.gold = new Bytes(bytes >> 3);
  }

  /** Adds a validated row; returns why it cannot be stored, or undefined. */
  add(
    line: number,
    ticket: Ticket,
    gold: Gold | undefined,
    /** The values' keys are in jsonb's order already (src/ticket/fast-parse.ts). */
    ordered = false,
  ): string | undefined {
    const ticketText = ordered ? JSON.stringify(ticket) : ticketJson(ticket);
    const goldText = gold === undefined ? null : ordered ? JSON.stringify(gold) : goldJson(gold);
    if (
      (ticketText.includes('\\u0000') && NUL_ESCAPE.test(ticketText)) ||
      (goldText?.includes('\\u0000') && NUL_ESCAPE.test(goldText))
    ) {
      const where = nulPath(ticket, 'ticket') ?? nulPath(gold, 'gold') ?? 'a value';
      return `${where}: contains a NUL character (\\u0000), which PostgreSQL cannot store in text or JSON; remove it and import the row again`;
    }
    const hash = importHash(ticket);
    const key = `${ticket.source}\n${ticket.externalId}\n${hash}`;
    const fields = this.fields.append(
      ...ticketFieldParts({
        source: ticket.source,
        externalId: ticket.externalId,
        contentHash: hash,
        status: ticket.status,
        assignee: ticket.assignee?.name ?? ticket.assignee?.email ?? null,
        subject: ticket.subject,
        ticketJson: ticketText,
        updatedAt: ticket.updatedAt,
      }),
    );
    const label = goldText === null ? null : this.gold.append(goldField(goldText));
    this.rows++;
    const prev = this.byKey.get(key);
    if (prev) {
      prev.fields = fields;
      prev.gold = label ?? prev.gold;
      prev.lines.push(line);
    } else {
      this.byKey.set(key, {
        source: ticket.source,
        externalId: ticket.externalId,
        contentHash: hash,
        fields,
        gold: label,
        lines: [line],
      });
    }
    return undefined;
  }

  /** The chunk's versions in order of first appearance; the chunk is spent. */
  take(): Staged {
    const rows: BulkRow[] = [];
    const lines: number[][] = [];
    const f = this.fields.buf;
    const g = this.gold.buf;
    for (const e of this.byKey.values()) {
      rows.push({
        source: e.source,
        externalId: e.externalId,
        contentHash: e.contentHash,
        fields: f.subarray(e.fields[0], e.fields[1]),
        gold: e.gold === null ? null : g.subarray(e.gold[0], e.gold[1]),
      });
      lines.push(e.lines);
    }
    this.byKey.clear();
    return { rows, lines };
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
  opts: {
    lane?: 'realtime' | 'batch';
    /** false: always the staging path (tests compare the two). */
    direct?: boolean;
    /** Probe for stored versions before a direct COPY (false: let the COPY find out). */
    probe?: boolean;
  } = {},
): Promise<ChunkResult> {
  const lane = opts.lane ?? 'batch';
  const versions = staged.rows.length;
  if (versions === 0) return { stored: 0, inserted: 0, gold: 0, copied: 0, rejects: [] };
  try {
    const r = await withRetry(() => storeVersionChunk(pool, staged.rows, lane, opts));
    const copied = r.path === 'copy' ? versions : 0;
    return { stored: rowsOf(staged), inserted: r.inserted, gold: r.gold, copied, rejects: [] };
  } catch (err) {
    if (!isDataError(err)) throw err;
    if (versions === 1) {
      const { message, detail } = err as Error & { detail?: string };
      const reason = `PostgreSQL refused the row: ${message}${detail ? ` (${detail})` : ''}`;
      return {
        stored: 0,
        inserted: 0,
        gold: 0,
        copied: 0,
        rejects: (staged.lines[0] ?? []).map((line) => ({ line, reason })),
      };
    }
    const half = Math.ceil(versions / 2);
    const a = await storeChunk(pool, slice(staged, 0, half), opts);
    const b = await storeChunk(pool, slice(staged, half, versions), opts);
    return {
      stored: a.stored + b.stored,
      inserted: a.inserted + b.inserted,
      gold: a.gold + b.gold,
      copied: a.copied + b.copied,
      rejects: [...a.rejects, ...b.rejects].sort((x, y) => x.line - y.line),
    };
  }
}
