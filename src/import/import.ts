import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Pool } from '../db/pool.js';
import { Ticket } from '../ticket/schema.js';
import { Chunk, storeChunk } from './chunk.js';
import { readCsv } from './csv.js';
import { type ReadOptions, type Row, readJsonlBatches, STDIN } from './jsonl.js';
import type { ImportCounts, Progress } from './progress.js';
import { defaultRejectsPath, RejectsFile } from './rejects.js';

export type ImportFormat = 'jsonl' | 'csv';

export interface ImportOptions {
  source?: string | undefined;
  /** Default: `<file>.rejects.jsonl`. */
  rejectsPath?: string | undefined;
  format?: ImportFormat | undefined;
  /** Rows per COPY chunk (default 2,000). */
  batchSize?: number;
  /**
   * false: every chunk through the staging table, even when none of its
   * versions is stored yet (tests compare this path with the direct COPY).
   */
  direct?: boolean;
  /** What `-` reads (default process.stdin). */
  stdin?: Readable;
  /** Built by the caller from the file size (a bar on a TTY, log lines otherwise; 0 for a pipe). */
  progress?: (totalBytes: number) => Progress;
  logger?: Logger | undefined;
}

export interface ImportSummary {
  file: string;
  format: ImportFormat;
  rows: number;
  /** Rows stored: new versions plus versions already stored (idempotent re-import). */
  stored: number;
  inserted: number;
  unchanged: number;
  /** Versions stored by COPY straight into the tables (chunks with no version stored yet). */
  copied: number;
  rejected: number;
  gold: number;
  rejectsPath: string | undefined;
  ignoredColumns: string[];
  ms: number;
}

async function* singles(rows: AsyncIterable<Row>): AsyncGenerator<Row[]> {
  for await (const row of rows) yield [row];
}

function formatOf(file: string): ImportFormat {
  if (file === STDIN) return 'jsonl';
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  throw new Error(`cannot tell the format of "${file}" from its extension: use --format jsonl|csv`);
}

/**
 * Streams a JSONL or CSV file (or standard input, `-`) into `tickets` (and `gold_labels`): every row
 * validated, hashed and serialized once, good rows stored in COPY chunks
 * (src/import/chunk.ts; idempotent: re-importing a file stores nothing new),
 * refused rows written to the rejects file with their line number and
 * reason. Never loads the file whole: at most two chunks are in flight while
 * the next is read.
 */
export async function importFile(
  pool: Pool,
  file: string,
  opts: ImportOptions = {},
): Promise<ImportSummary> {
  const started = performance.now();
  const format = opts.format ?? formatOf(file);
  if (opts.source !== undefined) {
    const ok = Ticket.shape.source.safeParse(opts.source);
    if (!ok.success) throw new Error(`--source "${opts.source}": ${ok.error.issues[0]?.message}`);
  }
  // Standard input has no size: progress then counts rows, not a percentage.
  const size = file === STDIN ? 0 : (await stat(file).catch(() => undefined))?.size;
  if (size === undefined) throw new Error(`no such file: ${file}`);

  const rejects = new RejectsFile(
    opts.rejectsPath ?? (file === STDIN ? 'stdin.rejects.jsonl' : defaultRejectsPath(file)),
  );
  const progress = opts.progress?.(size);
  const counts: ImportCounts = { rows: 0, stored: 0, rejected: 0 };
  let bytes = 0;
  let ignoredColumns: string[] = [];
  const readOpts: ReadOptions = {
    source: opts.source,
    handChecked: true,
    ...(opts.stdin ? { stdin: opts.stdin } : {}),
    onBytes: (b) => {
      bytes = b;
    },
    onIgnoredColumns: (c) => {
      ignoredColumns = c;
      opts.logger?.warn({ columns: c }, 'CSV columns not in the mapping are ignored');
    },
  };
  const batches: AsyncIterable<Row[]> =
    format === 'csv' ? singles(readCsv(file, readOpts)) : readJsonlBatches(file, readOpts);

  const chunkRows = opts.batchSize ?? 2_000;
  let chunk = new Chunk();
  const totals = { inserted: 0, unchanged: 0, copied: 0, gold: 0 };
  // Two chunks in flight: PostgreSQL stores one while the next is copied and the
  // one after is parsed. Waiting for a slot is the back-pressure that bounds memory.
  const inFlight = new Set<Promise<void>>();
  let probe = true;
  let failure: { error: unknown } | undefined;
  const flush = async () => {
    if (chunk.rows === 0) return;
    const staged = chunk.take();
    chunk = new Chunk();
    const p: Promise<void> = storeChunk(pool, staged, { direct: opts.direct !== false, probe })
      .then(async (r) => {
        totals.inserted += r.inserted;
        totals.unchanged += r.stored - r.inserted;
        totals.gold += r.gold;
        totals.copied += r.copied;
        // A chunk that met stored versions (a re-import, a resumed one) makes the
        // next one probe first; while chunks are new, they are COPied unasked.
        probe = r.copied < staged.rows.length;
        counts.stored += r.stored;
        counts.rejected += r.rejects.length;
        // Rows PostgreSQL itself refused: reported when their chunk is stored, so
        // they may follow later lines in the rejects file.
        for (const reject of r.rejects) await rejects.add(reject);
      })
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= 2) await Promise.race(inFlight);
    if (failure) throw failure.error;
  };
  try {
    for await (const rows of batches) {
      for (const row of rows) {
        counts.rows++;
        const refused = row.ok
          ? chunk.add(row.line, row.ticket, row.gold, row.ordered)
          : row.reason;
        if (refused !== undefined) {
          counts.rejected++;
          await rejects.add({ line: row.line, reason: refused });
        } else if (chunk.rows >= chunkRows) {
          await flush();
        }
        if (counts.rows % 256 === 0) progress?.update(bytes, counts);
      }
    }
    await flush();
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    progress?.update(Math.max(size, bytes), counts);
  } finally {
    await Promise.allSettled(inFlight);
    progress?.stop();
    await rejects.close();
  }
  return {
    file,
    format,
    rows: counts.rows,
    stored: counts.stored,
    ...totals,
    rejected: counts.rejected,
    rejectsPath: rejects.count ? rejects.path : undefined,
    ignoredColumns,
    ms: Math.round(performance.now() - started),
  };
}

export function formatImportSummary(s: ImportSummary): string {
  const rate = s.ms ? Math.round((s.rows / s.ms) * 1000) : s.rows;
  const row = (label: string, value: string) => `  ${`${label}:`.padEnd(13)}${value}`;
  const lines = [
    `imported ${s.file} (${s.format}) in ${(s.ms / 1000).toFixed(1)} s, ${rate} rows/s`,
    row('rows read', String(s.rows)),
    row('stored', `${s.stored} (${s.inserted} new, ${s.unchanged} already stored)`),
    row('gold labels', String(s.gold)),
    row('rejected', `${s.rejected}${s.rejectsPath ? ` → ${s.rejectsPath}` : ''}`),
  ];
  if (s.ignoredColumns.length) lines.push(row('ignored', `columns ${s.ignoredColumns.join(', ')}`));
  return lines.join('\n');
}
