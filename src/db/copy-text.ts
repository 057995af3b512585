/**
 * PostgreSQL COPY text format for the import (src/db/ticket-bulk.ts): each
 * value escaped once by the caller, rows assembled into one buffer per COPY.
 */

/** One ticket version's columns, every value serialized once by the caller. */
export interface BulkVersion {
  source: string;
  externalId: string;
  contentHash: string;
  status: string;
  assignee: string | null;
  subject: string;
  /** The canonical Ticket as JSON (any key order: jsonb keeps none). */
  ticketJson: string;
  updatedAt: string;
}

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

/**
 * A version's `tickets` columns, source … ticket_updated_at, in COPY text
 * format (no newline), in three pieces — the JSON apart, so a caller writing
 * them into a buffer copies the large one once instead of concatenating it.
 */
export function ticketFieldParts(v: BulkVersion): [string, string, string] {
  return [
    `${text(v.source)}\t${text(v.externalId)}\t${v.contentHash}\t${text(v.status)}\t${
      v.assignee === null ? '\\N' : text(v.assignee)
    }\t${text(v.subject)}\t`,
    json(v.ticketJson),
    `\t${text(v.updatedAt)}`,
  ];
}

/** A gold label's JSON as a COPY text field. */
export function goldField(goldJson: string): string {
  return json(goldJson);
}

/**
 * One buffer of COPY rows, each the concatenation of `parts(row)`: sized
 * first, then filled, so a chunk's text is copied once and never re-encoded.
 */
export function copyData<T>(
  items: readonly T[],
  parts: (item: T) => (Buffer | string)[] | null,
): Buffer {
  const rows: (Buffer | string)[][] = [];
  let size = 0;
  for (const item of items) {
    const p = parts(item);
    if (p === null) continue;
    for (const x of p) size += typeof x === 'string' ? x.length : x.length;
    size++;
    rows.push(p);
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const p of rows) {
    // Strings here are ASCII (ids, lane, separators): one byte per character.
    for (const x of p) at += typeof x === 'string' ? out.write(x, at, 'latin1') : x.copy(out, at);
    out[at++] = 10;
  }
  return out;
}

export const NULL_FIELD = '\\N';
