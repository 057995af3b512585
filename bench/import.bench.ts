/**
 * `npm run bench -- import`: time and peak memory of `batch import` for
 * 100,000 rows, against a baseline measured in the same run on the same
 * file: a plain readline + JSON.parse pass (what any importer must at least
 * do). Each pass runs in its own child process so its peak RSS is its own.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 100_000);
const EXAMPLES = process.env.TQC_EXAMPLES_FILE ?? 'examples/tickets.jsonl';
const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const HERE = fileURLToPath(import.meta.url);

type Mode = 'baseline' | 'validate' | 'import';
interface Measure {
  mode: Mode;
  rows: number;
  ms: number;
  maxRssMb: number;
}

function dbUrl(name: string): string {
  const u = new URL(SERVER);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * The child: one pass over the file, then its numbers as one JSON line. Peak
 * RSS is sampled: Linux carries ru_maxrss across exec, so the child's own
 * maxRSS can report the parent's high-water mark.
 */
async function child(mode: Mode, file: string, url: string): Promise<void> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const started = performance.now();
  let rows = 0;
  if (mode === 'baseline') {
    const rl = createInterface({
      input: createReadStream(file, 'utf8'),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    for await (const line of rl) {
      if (!line.trim()) continue;
      JSON.parse(line);
      rows++;
    }
  } else if (mode === 'validate') {
    const { readJsonl } = await import('../src/import/jsonl.js');
    for await (const row of readJsonl(file)) if (row.ok) rows++;
  } else {
    const { createPool } = await import('../src/db/pool.js');
    const { importFile } = await import('../src/import/import.js');
    const pool = createPool(url, { max: 2 });
    rows = (await importFile(pool, file)).stored;
    await pool.end();
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  const maxRssMb = Math.max(peak, process.memoryUsage.rss()) / 2 ** 20;
  process.stdout.write(`${JSON.stringify({ mode, rows, ms, maxRssMb })}\n`);
}

function measure(mode: Mode, file: string, url: string): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', HERE, '--child', mode, file, url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench child ${mode} exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) as string) as Measure);
    });
  });
}

async function writeRows(file: string, rows: number, prefix: string): Promise<number> {
  const examples = (await readFile(EXAMPLES, 'utf8')).split('\n').filter((l) => l.trim());
  const out = createWriteStream(file);
  let bytes = 0;
  for (let i = 0; i < rows; i++) {
    const row = JSON.parse(examples[i % examples.length] as string) as {
      ticket: { externalId: string };
    };
    row.ticket.externalId = `${prefix}-${i}`;
    const line = `${JSON.stringify(row)}\n`;
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, 'drain');
  }
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return bytes;
}

export async function run(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tqc-bench-import-'));
  const name = `ticketqc_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  try {
    const file = path.join(dir, 'history.jsonl');
    const bytes = await writeRows(file, ROWS, 'BENCH');
    // A fifth of the rows, to show whether memory grows with the file.
    const small = path.join(dir, 'small.jsonl');
    await writeRows(small, Math.round(ROWS / 5), 'SMALL');
    await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
    await admin.query(`CREATE DATABASE "${name}"`);
    const { migrate } = await import('../src/db/migrate.js');
    const pool = new pg.Pool({ connectionString: dbUrl(name), max: 1 });
    await migrate(pool);
    await pool.end();

    const base = await measure('baseline', file, dbUrl(name));
    const validate = await measure('validate', file, dbUrl(name));
    const fifth = await measure('import', small, dbUrl(name));
    const full = await measure('import', file, dbUrl(name));
    const row = (label: string, m: Measure) =>
      `| ${label} | ${m.rows.toLocaleString('en-US')} | ${(m.ms / 1000).toFixed(2)} s | ${Math.round((m.rows / m.ms) * 1000).toLocaleString('en-US')} | ${(m.ms / base.ms).toFixed(1)}× | ${Math.round(m.maxRssMb)} MB | ${(m.maxRssMb / base.maxRssMb).toFixed(2)}× |`;
    return [
      `${ROWS.toLocaleString('en-US')} rows of \`{"ticket","gold"}\` JSONL (${(bytes / 2 ** 20).toFixed(0)} MiB, the example tickets with distinct externalIds) into a fresh migrated database on the local PostgreSQL. Each pass runs in its own process; peak memory is its RSS sampled every 5 ms.`,
      '',
      '| pass | rows | time | rows/s | time vs baseline | peak RSS | RSS vs baseline |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      row('baseline: readline + JSON.parse', base),
      row('parse + validate (zod), no database', validate),
      row('`batch import` (validate + upsert tickets and gold labels)', full),
      row('`batch import` of a file a fifth the size', fifth),
      '',
      `Peak memory of the import: ${Math.round(full.maxRssMb)} MB for ${ROWS.toLocaleString('en-US')} rows, ${Math.round(fifth.maxRssMb)} MB for a fifth of them — the file is streamed and upserted 500 rows per statement, never held whole; two 500-row upserts are in flight at a time.`,
    ].join('\n');
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as Mode, process.argv[4] as string, process.argv[5] as string);
}
