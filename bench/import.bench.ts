/**
 * `npm run bench -- import [--rows=N]`: history at scale. N rows
 * (default 1,000,000; also BENCH_IMPORT_ROWS) of `{"ticket","gold"}` JSONL are generated on the fly
 * and piped into `ticket-qc batch import --file -` — the real CLI in its own
 * process, reading standard input — so no multi-gigabyte file is written.
 * Baseline, same run, same generator, same pipe: a process that only splits
 * lines and JSON.parses them (what any importer must at least do). A second
 * pass validates with zod without a database, to split parse, validation and
 * storage. Peak memory is each process's own high-water mark (VmHWM from
 * /proc, read until it exits). Goal (issue 13, point 6): 1,000,000 rows in
 * ≤ 120 s with ≤ 300 MB RSS.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createBenchDb } from './db.js';
import { statusMb } from './procs.js';
import type { SummaryRow } from './report.js';

/** `npm run bench -- import --rows=N` (or BENCH_IMPORT_ROWS); default 1,000,000. */
function rowsOption(): number {
  const arg = process.argv.find((a) => a.startsWith('--rows='))?.slice('--rows='.length);
  const n = Number((arg ?? process.env.BENCH_IMPORT_ROWS ?? '1000000').replaceAll('_', ''));
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--rows must be a positive integer, got ${arg}`);
  return n;
}
const ROWS = process.argv[2] === '--child' ? 0 : rowsOption();
const EXAMPLES = process.env.TQC_EXAMPLES_FILE ?? 'examples/tickets.jsonl';
const HERE = fileURLToPath(import.meta.url);
const CLI = fileURLToPath(new URL('../src/cli/index.ts', import.meta.url));

type Mode = 'baseline' | 'validate' | 'import';
interface Measure {
  mode: Mode;
  rows: number;
  bytes: number;
  ms: number;
  peakRssMb: number;
  /** CPU seconds (user + system) of the process itself. */
  cpuS: number;
  /** CPU seconds of the PostgreSQL backends serving it (import only; undefined when not readable). */
  dbCpuS?: number | undefined;
}

/** The children of the baseline and validate passes: read stdin, print the row count. */
async function child(mode: Mode): Promise<void> {
  let rows = 0;
  if (mode === 'baseline') {
    const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of rl) {
      if (!line.trim()) continue;
      JSON.parse(line);
      rows++;
    }
  } else {
    const { readJsonl } = await import('../src/import/jsonl.js');
    for await (const row of readJsonl('-')) if (row.ok) rows++;
  }
  process.stdout.write(`${rows}\n`);
}

/** Each example line split around its externalId, so row i costs one string concatenation. */
async function templates(): Promise<[string, string][]> {
  const lines = (await readFile(EXAMPLES, 'utf8')).split('\n').filter((l) => l.trim());
  return lines.map((l) => {
    const row = JSON.parse(l) as { ticket: { externalId: string } };
    row.ticket.externalId = '@@EXTERNAL_ID@@';
    const [head, tail] = JSON.stringify(row).split('@@EXTERNAL_ID@@') as [string, string];
    return [head, `${tail}\n`];
  });
}

/** Writes `rows` generated rows to `out` in 64 KiB chunks, honouring back-pressure. */
async function generate(out: Writable, rows: number, prefix: string): Promise<number> {
  const parts = await templates();
  let bytes = 0;
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const [head, tail] = parts[i % parts.length] as [string, string];
    chunk += `${head}${prefix}-${i}${tail}`;
    if (chunk.length >= 65_536) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  return bytes;
}

const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
async function cpuTicks(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields ? Number(fields[11]) + Number(fields[12]) : undefined;
}

/**
 * The CPU the import's PostgreSQL backends use, when the server runs on this
 * machine (its /proc is readable): wall time on shared cores says how busy the
 * machine was as much as what the import costs; CPU seconds say the latter.
 */
function watchBackends(dbUrl: string): { stop: () => Promise<number | undefined> } {
  const seen = new Map<number, number>();
  let readable = true;
  const client = new pg.Client({ connectionString: dbUrl });
  const ready = client.connect();
  const sample = async () => {
    await ready;
    const r = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'batch-import'",
    );
    for (const { pid } of r.rows) {
      const t = await cpuTicks(pid);
      if (t === undefined) readable = false;
      else seen.set(pid, Math.max(seen.get(pid) ?? 0, t));
    }
  };
  let pending = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(sample).catch(() => undefined);
  }, 250);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      await client.end();
      return readable && seen.size
        ? [...seen.values()].reduce((a, b) => a + b, 0) / TICKS
        : undefined;
    },
  };
}

async function measure(mode: Mode, dbUrl: string): Promise<Measure> {
  const args =
    mode === 'import'
      ? ['--import', 'tsx', CLI, 'batch', 'import', '--file', '-', '--rejects', '/dev/null']
      : ['--import', 'tsx', HERE, '--child', mode];
  const p = spawn(process.execPath, args, {
    env: { ...process.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  let peakKb = 0;
  let ticks = 0;
  const sampler = setInterval(() => {
    if (!p.pid) return;
    void statusMb(p.pid, 'VmHWM').then((mb) => {
      peakKb = Math.max(peakKb, (mb ?? 0) * 1024);
    });
    void cpuTicks(p.pid).then((t) => {
      ticks = Math.max(ticks, t ?? 0);
    });
  }, 20);
  const backends = mode === 'import' ? watchBackends(dbUrl) : undefined;
  // Timed from the first byte written to the child's exit, start-up excluded as far as a pipe allows.
  const started = performance.now();
  const bytes = await generate(p.stdin, ROWS, `BENCH-${mode}`);
  const [code] = (await once(p, 'close')) as [number | null];
  const ms = performance.now() - started;
  clearInterval(sampler);
  const dbCpuS = await backends?.stop();
  if (code !== 0) throw new Error(`bench ${mode} exited ${code}: ${out}`);
  const rows =
    mode === 'import'
      ? Number(/stored:\s+(\d+)/.exec(out)?.[1] ?? Number.NaN)
      : Number(out.trim().split('\n').at(-1));
  return {
    mode,
    rows,
    bytes,
    ms,
    peakRssMb: (peakKb * 1024) / 2 ** 20,
    cpuS: ticks / TICKS,
    dbCpuS,
  };
}

export async function run(): Promise<{ markdown: string; summary: SummaryRow[] }> {
  const db = await createBenchDb('import');
  try {
    const base = await measure('baseline', db.url);
    const validate = await measure('validate', db.url);
    const full = await measure('import', db.url);
    const row = (label: string, m: Measure) =>
      `| ${label} | ${m.rows.toLocaleString('en-US')} | ${(m.ms / 1000).toFixed(1)} s | ${Math.round((m.rows / m.ms) * 1000).toLocaleString('en-US')} | ${(m.ms / base.ms).toFixed(1)}× | ${Math.round(m.peakRssMb)} MB | ${(m.peakRssMb / base.peakRssMb).toFixed(2)}× | ${m.cpuS.toFixed(1)} s | ${m.dbCpuS === undefined ? '—' : `${m.dbCpuS.toFixed(1)} s`} |`;
    const perMillion = (full.ms / full.rows) * 1e6;
    const markdown = [
      `${ROWS.toLocaleString('en-US')} rows of \`{"ticket","gold"}\` JSONL (${(full.bytes / 2 ** 20).toFixed(0)} MiB, the example tickets with distinct externalIds), generated and piped into each process's standard input; the import is the real CLI, \`ticket-qc batch import --file -\`, into a fresh migrated database of its own (bench/db.ts). Time from the first byte piped to the process's exit (Node + tsx start-up included); peak memory is the process's VmHWM.`,
      '',
      '| pass | rows | time | rows/s | time vs baseline | peak RSS | RSS vs baseline | CPU, the process | CPU, its PostgreSQL backends |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      row('baseline: readline + JSON.parse of stdin', base),
      row('parse + validate (zod), no database', validate),
      row('`batch import --file -` (validate + upsert tickets and gold labels)', full),
      '',
      `At this rate 1,000,000 rows take ${(perMillion / 1000).toFixed(0)} s (goal ≤ 120 s); peak RSS ${Math.round(full.peakRssMb)} MB (goal ≤ 300 MB). The input is streamed (lines split by hand, the common row checked by hand and anything else by zod), hashed and serialized once per row, and stored 2,000 rows per chunk, two chunks in flight: a chunk none of whose versions is stored yet is COPied straight into tickets and gold labels (a unique violation, or a probe after a chunk that met stored versions, says otherwise); any other goes through a temporary staging table and INSERT … SELECT … ON CONFLICT.`,
      '',
      `CPU: the import process used ${full.cpuS.toFixed(0)} s and its PostgreSQL backends ${full.dbCpuS === undefined ? 'an unknown amount (the server is not on this machine)' : `${full.dbCpuS.toFixed(0)} s`} (user + system, /proc). On shared cores the wall time depends on what else runs; the CPU seconds do much less.`,
    ].join('\n');
    return {
      markdown,
      summary: [
        {
          figure: `import rows/s (${ROWS.toLocaleString('en-US')} rows, stdin)`,
          value: Math.round((full.rows / full.ms) * 1000).toLocaleString('en-US'),
          baseline: `${Math.round((base.rows / base.ms) * 1000).toLocaleString('en-US')} (parse only)`,
          ratio: `${(base.ms / full.ms).toFixed(2)}×`,
          goal: `1 M rows ≤ 120 s (here: ${(perMillion / 1000).toFixed(0)} s)`,
        },
        {
          figure: 'import peak RSS',
          value: `${Math.round(full.peakRssMb)} MB`,
          baseline: `${Math.round(base.peakRssMb)} MB`,
          ratio: `${(full.peakRssMb / base.peakRssMb).toFixed(2)}×`,
          goal: '≤ 300 MB',
        },
      ],
    };
  } finally {
    await db.drop();
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] as Mode);
