import { pipeline, Transform } from 'node:stream';
import { type CsvError, type InfoRecord, type Options, parse } from 'csv-parse';
import { planColumns, recordToTicket } from './csv-columns.js';
import { openInput, parseRow, type ReadOptions, type Row } from './jsonl.js';

/**
 * Byte offsets of the newlines seen so far, so a record's byte position maps
 * to a line number exactly. csv-parse's own `lines` counter drifts on CRLF
 * files with line breaks inside quoted fields; its byte counts do not.
 * Queries are monotonic, so offsets already passed are dropped.
 */
class LineIndex {
  private readonly offsets: number[] = [];
  private head = 0;
  private passed = 0;
  private seen = 0;

  observe(chunk: Buffer): void {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
      this.offsets.push(this.seen + i);
    }
    this.seen += chunk.length;
  }

  /** 1-based line of the byte at `offset`. */
  lineOf(offset: number): number {
    while (this.head < this.offsets.length && (this.offsets[this.head] ?? 0) < offset) {
      this.head++;
      this.passed++;
    }
    if (this.head > 4096) {
      this.offsets.splice(0, this.head);
      this.head = 0;
    }
    return this.passed + 1;
  }
}

const MAX_RECORD_CHARS = 8_000_000;

interface Parsed {
  cells: string[];
  line: number;
  seq: number;
}

interface Skipped {
  line: number;
  reason: string;
  /** How many records the parser had produced before this error. */
  before: number;
}

const newlinesIn = (cells: string[]) =>
  cells.reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);

/**
 * Streams a CSV file (or standard input, for `-`: header row + one ticket per record, see
 * src/batches/README.md) as validated rows with the line each record starts on.
 * Broken records become rejects; an unclosed quote rejects the rest of the file.
 */
export async function* readCsv(file: string, opts: ReadOptions = {}): AsyncGenerator<Row> {
  const index = new LineIndex();
  const { input, bytesRead } = openInput(file, opts);
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      index.observe(chunk);
      opts.onBytes?.(bytesRead());
      done(null, chunk);
    },
  });
  const skipped: Skipped[] = [];
  let produced = 0;
  let lastEnd = 0;
  const options: Options<Parsed, string[]> = {
    bom: true,
    // Ticket threads are long; the default (128k characters) would refuse real ones.
    max_record_size: MAX_RECORD_CHARS,
    relax_quotes: true, // a stray quote inside a field is kept as text, not a fatal error
    relax_column_count: true, // counted below, for a reject that names both numbers
    skip_empty_lines: true,
    skip_records_with_error: true,
    // Without `columns`, every record is an array of strings.
    on_record: (record: unknown, ctx: InfoRecord): Parsed => {
      const cells = record as string[];
      const line = index.lineOf(Math.max(0, ctx.bytes - 1)) - newlinesIn(cells);
      lastEnd = ctx.bytes;
      return { cells, line, seq: produced++ };
    },
    on_skip: (err: CsvError | undefined) => {
      const line = index.lineOf(lastEnd);
      const reason =
        err?.code === 'CSV_QUOTE_NOT_CLOSED'
          ? 'a quoted field is never closed; the rest of the file could not be read'
          : `malformed CSV: ${err?.message ?? 'unreadable record'}`;
      skipped.push({ line, reason, before: produced });
      return undefined;
    },
  };
  // The typings pair a custom on_record return type only with `columns`; we map columns ourselves.
  const parser = parse(options as unknown as Options);
  // pipeline() tears the file stream down with the parser: on a read error, and
  // when the consumer stops early (the error then surfaces from the iterator).
  pipeline(input, tap, parser, () => undefined);

  let header: string[] | undefined;
  let plan: ReturnType<typeof planColumns> | undefined;
  const flushSkips = function* (upTo: number): Generator<Row> {
    while (skipped.length && (skipped[0]?.before ?? 0) <= upTo) {
      const s = skipped.shift() as Skipped;
      yield { line: s.line, ok: false, reason: s.reason };
    }
  };
  for await (const rec of parser as AsyncIterable<Parsed>) {
    yield* flushSkips(rec.seq);
    if (!header) {
      header = rec.cells.map((c) => c.trim());
      plan = planColumns(header, Boolean(opts.source));
      if (plan.ignored.length) opts.onIgnoredColumns?.(plan.ignored);
      continue;
    }
    yield toRow(header, plan as ReturnType<typeof planColumns>, rec, opts);
  }
  yield* flushSkips(Number.POSITIVE_INFINITY);
  if (!header) throw new Error('the CSV file is empty: a header row is required');
}

function toRow(
  header: string[],
  plan: ReturnType<typeof planColumns>,
  rec: Parsed,
  opts: ReadOptions,
): Row {
  if (rec.cells.length !== header.length) {
    return {
      line: rec.line,
      ok: false,
      reason: `expected ${header.length} fields (as in the header), found ${rec.cells.length}`,
    };
  }
  let mapped: ReturnType<typeof recordToTicket>;
  try {
    mapped = recordToTicket(header, plan, rec.cells);
  } catch (err) {
    return { line: rec.line, ok: false, reason: (err as Error).message };
  }
  const value =
    mapped.gold === undefined ? mapped.ticket : { ticket: mapped.ticket, gold: mapped.gold };
  return parseRow(rec.line, value, opts);
}
