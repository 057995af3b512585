import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile } from '../../src/import/import.js';
import { createProgress } from '../../src/import/progress.js';
import { Ticket } from '../../src/ticket/schema.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import {
  CSV_HEADER,
  csvRecord,
  type ExampleRow,
  exampleRows,
  writeJsonlFixture,
} from './fixtures.js';

let db: TestDb;
let dir: string;

beforeAll(async () => {
  db = await createTestDb({ seed: false });
  dir = await mkdtemp(path.join(tmpdir(), 'tqc-import-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const count = async (sql: string) =>
  Number((await db.pool.query<{ n: string }>(sql)).rows[0]?.n ?? -1);

async function readRejects(file: string) {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number; reason: string });
}

describe('batch import (JSONL)', () => {
  it('10,000 rows with 1% broken → 9,900 stored, 100 rejects with their line numbers; a rerun stores nothing new', async () => {
    const { file, broken } = await writeJsonlFixture(dir, 10_000, 100);
    const first = await importFile(db.pool, file);
    expect(first).toMatchObject({ rows: 10_000, stored: 9_900, inserted: 9_900, rejected: 100 });
    expect(await count('SELECT count(*) AS n FROM tickets')).toBe(9_900);
    expect(await count('SELECT count(*) AS n FROM gold_labels')).toBe(9_900);

    const rejects = await readRejects(first.rejectsPath as string);
    expect(rejects.map((r) => r.line)).toEqual([...broken.keys()]);
    for (const r of rejects) expect(r.reason).toMatch(broken.get(r.line) as RegExp);

    const again = await importFile(db.pool, file);
    expect(again).toMatchObject({ stored: 9_900, inserted: 0, unchanged: 9_900, rejected: 100 });
    expect(await count('SELECT count(*) AS n FROM tickets')).toBe(9_900);
  });

  it('--source stores every row under that source; a missing file or a bad source is a clear error', async () => {
    const { file } = await writeJsonlFixture(dir, 20, 1_000);
    const s = await importFile(db.pool, file, { source: 'legacy-psa' });
    expect(s).toMatchObject({ stored: 20, inserted: 20, rejected: 0, rejectsPath: undefined });
    expect(await count("SELECT count(*) AS n FROM tickets WHERE source = 'legacy-psa'")).toBe(20);
    await expect(importFile(db.pool, path.join(dir, 'nope.jsonl'))).rejects.toThrow(/no such file/);
    await expect(importFile(db.pool, file, { source: 'Bad Source' })).rejects.toThrow(/--source/);
    await writeFile(path.join(dir, 'x.txt'), '');
    await expect(importFile(db.pool, path.join(dir, 'x.txt'))).rejects.toThrow(/--format/);
  });
});

describe('batch import --file - (standard input)', () => {
  it('the CLI streams rows piped to it; broken rows go to the rejects file named by --rejects', async () => {
    const { file, broken } = await writeJsonlFixture(dir, 300, 50);
    const rejectsPath = path.join(dir, 'piped.rejects.jsonl');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/index.ts',
        'batch',
        'import',
        '--file',
        '-',
        '--rejects',
        rejectsPath,
      ],
      {
        env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    createReadStream(file).pipe(child.stdin);
    const [code] = (await once(child, 'close')) as [number];
    expect(code, err).toBe(0);
    expect(out).toMatch(/imported - \(jsonl\)/);
    expect(out).toMatch(/rows read: +300/);
    expect(out).toMatch(/stored: +294 \(/);
    const ids = (await readFile(file, 'utf8')).split('\n').flatMap((l) => {
      try {
        const id = (JSON.parse(l) as ExampleRow).ticket?.externalId;
        return typeof id === 'string' ? [id] : [];
      } catch {
        return [];
      }
    });
    const stored = await db.pool.query<{ n: number }>(
      'SELECT count(DISTINCT external_id)::int AS n FROM tickets WHERE external_id = ANY($1)',
      [ids],
    );
    expect(stored.rows[0]?.n).toBe(294);
    const rejects = await readRejects(rejectsPath);
    expect(rejects.map((r) => r.line)).toEqual([...broken.keys()]);
  });

  it('reads a stream handed in as stdin; a CSV on standard input needs --format csv', async () => {
    const rows = exampleRows()
      .slice(0, 3)
      .map((r, i) => ({ ...r, ticket: { ...r.ticket, externalId: `STDIN-${i}` } }));
    const text = `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const s = await importFile(db.pool, '-', { stdin: Readable.from([Buffer.from(text)]) });
    expect(s).toMatchObject({ format: 'jsonl', rows: 3, stored: 3, rejected: 0 });
    expect(await count("SELECT count(*) AS n FROM tickets WHERE external_id LIKE 'STDIN-%'")).toBe(
      3,
    );
    const csv = `${CSV_HEADER.join(',')}\n${csvRecord({ ...(rows[0] as ExampleRow), ticket: { ...(rows[0] as ExampleRow).ticket, externalId: 'STDIN-CSV' } })}\n`;
    const c = await importFile(db.pool, '-', {
      format: 'csv',
      stdin: Readable.from([Buffer.from(csv)]),
    });
    expect(c).toMatchObject({ format: 'csv', rows: 1, stored: 1, rejected: 0 });
  });
});

describe('batch import (CSV)', () => {
  it('maps the documented columns back to the same tickets; broken records are rejected with their start line', async () => {
    const examples = exampleRows().slice(0, 40);
    const records: string[] = [CSV_HEADER.join(',')];
    for (const [i, ex] of examples.entries()) {
      records.push(csvRecord({ ...ex, ticket: { ...ex.ticket, externalId: `CSV-${i}` } }));
    }
    const good = records.length - 1;
    const broken: [string, RegExp][] = [
      ['hist,SHORT-1,too few fields', /expected 26 fields \(as in the header\), found 3/],
      [
        csvRecord({
          ...(examples[0] as ExampleRow),
          ticket: {
            ...(examples[0] as ExampleRow).ticket,
            externalId: 'BAD-STATUS',
            status: 'resolved-ish',
          },
        }),
        /^status: Invalid option/,
      ],
      [
        csvRecord({
          ...(examples[1] as ExampleRow),
          ticket: {
            ...(examples[1] as ExampleRow).ticket,
            externalId: 'BAD-JSON',
            comments: '[{"author": oops',
          },
        }),
        /^comments: not valid JSON/,
      ],
      [`hist,NO-DATES,subject,,closed,normal${','.repeat(20)}`, /createdAt/],
    ];
    // Each broken record sits after a multi-line good one, so a line counter that drifts shows.
    const lines: string[] = [];
    const expected = new Map<number, RegExp>();
    let line = 1;
    for (const [i, rec] of records.entries()) {
      lines.push(rec);
      line += rec.split('\n').length;
      const bad = broken[i];
      if (i > 0 && bad && i % 7 === 0) {
        lines.push(bad[0]);
        expected.set(line, bad[1]);
        line += 1;
      }
    }
    lines.push('hist,UNCLOSED,"this quote never ends,closed');
    expected.set(line, /never closed/);
    lines.push('hist,LOST,eaten by the quote above');
    const file = path.join(dir, 'export.csv');
    await writeFile(file, `${lines.join('\r\n')}\r\n`);

    const s = await importFile(db.pool, file, { rejectsPath: path.join(dir, 'csv-rejects.jsonl') });
    expect(s).toMatchObject({ format: 'csv', stored: good, rejected: expected.size });
    const rejects = await readRejects(s.rejectsPath as string);
    expect(rejects.map((r) => r.line)).toEqual([...expected.keys()]);
    for (const r of rejects) expect(r.reason).toMatch(expected.get(r.line) as RegExp);

    const stored = await db.pool.query<{ external_id: string; ticket: unknown }>(
      "SELECT external_id, ticket FROM tickets WHERE external_id LIKE 'CSV-%'",
    );
    expect(stored.rowCount).toBe(good);
    for (const row of stored.rows) {
      const i = Number(row.external_id.slice(4));
      const original = Ticket.parse({
        ...(examples[i] as ExampleRow).ticket,
        externalId: row.external_id,
      });
      expect(row.ticket).toEqual(JSON.parse(JSON.stringify(original)));
    }
  });

  it('a header without the required columns is one clear error before any row is read', async () => {
    const file = path.join(dir, 'bad-header.csv');
    await writeFile(file, 'id,title\n1,hello\n');
    await expect(importFile(db.pool, file)).rejects.toThrow(
      /CSV header lacks required column\(s\): subject, status, createdAt, updatedAt, source \(or --source\)/,
    );
  });
});

describe('progress', () => {
  it('off a terminal, plain log lines with the counts instead of a bar', async () => {
    const lines: { msg: string; rows: number; percent: number }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (s: string) => void lines.push(JSON.parse(s)) },
    );
    const { file } = await writeJsonlFixture(dir, 2_000, 100);
    const s = await importFile(db.pool, file, {
      progress: (totalBytes) => createProgress({ totalBytes, tty: false, logger, everyMs: 0 }),
    });
    expect(s.rows).toBe(2_000);
    const progress = lines.filter((l) => l.msg.startsWith('import '));
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toMatchObject({ rows: 2_000, percent: 100 });
  });
});
