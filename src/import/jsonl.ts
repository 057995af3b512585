import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { fastTicket } from '../ticket/fast-parse.js';
import { Ticket } from '../ticket/schema.js';
import { fastGold, Gold } from './gold.js';

export { Gold };

export type Row =
  | {
      line: number;
      ok: true;
      ticket: Ticket;
      gold?: Gold | undefined;
      /** Built by src/ticket/fast-parse.ts: keys already in jsonb's order. */
      ordered?: boolean;
    }
  | { line: number; ok: false; reason: string };

export interface RowOptions {
  /** Stores every row under this source (`batch import --source`), overriding the row's. */
  source?: string | undefined;
  /**
   * Check the common row by hand before zod (src/ticket/fast-parse.ts, and
   * `fastGold` of ./gold.ts): the importer's choice. Its values have their
   * keys in jsonb's order, which only the importer's serialization expects.
   */
  handChecked?: boolean | undefined;
}

export interface ReadOptions extends RowOptions {
  /** Called with the bytes read so far, for a progress bar. */
  onBytes?: (bytes: number) => void;
  /** CSV only: header columns the mapping does not know (they are ignored). */
  onIgnoredColumns?: (columns: string[]) => void;
  /** What the file name `-` reads (default process.stdin). */
  stdin?: Readable;
}

/** The file name that means standard input (`batch import --file -`). */
export const STDIN = '-';

/**
 * The byte stream of `file`, or of standard input for `-`, with a running
 * count of the bytes read (a pipe has no size, so progress counts bytes).
 */
export function openInput(
  file: string,
  opts: ReadOptions,
): { input: Readable; bytesRead: () => number; close: () => void } {
  if (file !== STDIN) {
    const input = createReadStream(file);
    return { input, bytesRead: () => input.bytesRead, close: () => input.destroy() };
  }
  const input = opts.stdin ?? process.stdin;
  let bytes = 0;
  input.on('data', (chunk: Buffer | string) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  });
  // Standard input is not ours to destroy: stop reading it and let it go.
  return { input, bytesRead: () => bytes, close: () => input.pause() };
}

/** The first few zod issues as `path: message`, so a reject says what to fix. */
function describeZod(error: z.ZodError, prefix = ''): string {
  const parts = error.issues.slice(0, 3).map((i) => {
    const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    return `${path || '(root)'}: ${i.message}`;
  });
  const more = error.issues.length > 3 ? ` (+${error.issues.length - 3} more)` : '';
  return parts.join('; ') + more;
}

/** Validates one parsed row: `{"ticket", "gold"}` or a bare ticket. */
export function parseRow(line: number, value: unknown, opts: RowOptions = {}): Row {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { line, ok: false, reason: 'expected a JSON object (a ticket or {"ticket", "gold"})' };
  }
  const obj = value as { ticket?: unknown; gold?: unknown };
  const wrapped = 'ticket' in obj;
  let raw = wrapped ? obj.ticket : value;
  if (opts.source && raw && typeof raw === 'object') raw = { ...raw, source: opts.source };
  const fast = opts.handChecked ? fastTicket(raw, 'jsonb')?.ticket : undefined;
  if (fast) {
    const g = obj.gold;
    if (!wrapped || g === undefined || g === null)
      return { line, ok: true, ticket: fast, ordered: true };
    const label = fastGold(g);
    if (label) return { line, ok: true, ticket: fast, gold: label, ordered: true };
  }
  const t = Ticket.safeParse(raw);
  if (!t.success) {
    return { line, ok: false, reason: describeZod(t.error, wrapped ? 'ticket' : '') };
  }
  if (wrapped && obj.gold !== undefined && obj.gold !== null) {
    const g = Gold.safeParse(obj.gold);
    if (!g.success) return { line, ok: false, reason: describeZod(g.error, 'gold') };
    return { line, ok: true, ticket: t.data, gold: g.data };
  }
  return { line, ok: true, ticket: t.data };
}

/**
 * The lines of a byte stream, split as readline splits them (at \n, \r\n or
 * a lone \r) and decoded as UTF-8, a chunk's worth at a time: one string per
 * line, no per-line events or promises.
 */
async function* lineBatches(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  let rest: Buffer | undefined;
  const out: string[] = [];
  const push = (text: string) => {
    const t = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (t.includes('\r')) out.push(...t.split('\r'));
    else out.push(t);
  };
  for await (const chunk of chunks) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    let nl = buf.indexOf(10);
    if (rest && nl !== -1) {
      push(Buffer.concat([rest, buf.subarray(0, nl)]).toString('utf8'));
      rest = undefined;
      start = nl + 1;
      nl = buf.indexOf(10, start);
    }
    for (; nl !== -1; nl = buf.indexOf(10, start)) {
      push(buf.toString('utf8', start, nl));
      start = nl + 1;
    }
    if (start < buf.length) {
      const tail = buf.subarray(start);
      rest = rest ? Buffer.concat([rest, tail]) : Buffer.from(tail);
    }
    if (out.length) yield out.splice(0);
  }
  if (rest?.length) push(rest.toString('utf8'));
  if (out.length) yield out.splice(0);
}

/**
 * Streams a JSONL file (or standard input, for `-`) as batches of rows, one
 * batch per chunk read; never loads it whole. Blank lines are skipped.
 */
export async function* readJsonlBatches(
  file: string,
  opts: ReadOptions = {},
): AsyncGenerator<Row[]> {
  const { input, bytesRead, close } = openInput(file, opts);
  let line = 0;
  try {
    // Standard input is not ours to destroy when the consumer stops early.
    const chunks = input.iterator({ destroyOnReturn: file !== STDIN }) as AsyncIterable<
      Buffer | string
    >;
    for await (const lines of lineBatches(chunks)) {
      opts.onBytes?.(bytesRead());
      const rows: Row[] = [];
      for (const text of lines) {
        line++;
        if (!text.trim()) continue;
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (err) {
          rows.push({ line, ok: false, reason: `invalid JSON: ${(err as Error).message}` });
          continue;
        }
        rows.push(parseRow(line, value, opts));
      }
      if (rows.length) yield rows;
    }
  } finally {
    // A consumer that stops early (a --limit) must not leave the file open.
    close();
  }
}

/** `readJsonlBatches` row by row. */
export async function* readJsonl(file: string, opts: ReadOptions = {}): AsyncGenerator<Row> {
  for await (const rows of readJsonlBatches(file, opts)) yield* rows;
}
