import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile } from '../../src/import/import.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { type ExampleRow, exampleRows, variedRow } from './fixtures.js';

/**
 * Issue 13, point 6: the import stores rows in COPY chunks of 2,000. These
 * files span several chunks, so a row repeated across chunks, a row
 * PostgreSQL cannot store and a broken row are each met in a chunk of their own.
 */

let db: TestDb;
let dir: string;

beforeAll(async () => {
  db = await createTestDb({ seed: false });
  dir = await mkdtemp(path.join(tmpdir(), 'tqc-import-chunks-'));
});
afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const count = async (sql: string, params: unknown[] = []) =>
  Number((await db.pool.query<{ n: string }>(sql, params)).rows[0]?.n ?? -1);

async function readRejects(file: string) {
  return (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number; reason: string });
}

/** `ticket-qc batch import --file -` in its own process, the file piped to its standard input. */
async function importOverStdin(text: string, rejectsPath: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/index.ts', 'batch', 'import', '--file', '-'].concat(
      '--rejects',
      rejectsPath,
    ),
    { env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn' }, stdio: 'pipe' },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  Readable.from([text]).pipe(child.stdin);
  const [code] = (await once(child, 'close')) as [number];
  expect(code, err).toBe(0);
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? Number.NaN);
  return {
    out,
    rows: num(/rows read: +(\d+)/),
    stored: num(/stored: +(\d+)/),
    inserted: num(/stored: +\d+ \((\d+) new/),
    unchanged: num(/(\d+) already stored/),
    rejected: num(/rejected: +(\d+)/),
  };
}

describe('batch import in COPY chunks', () => {
  it('4,600 rows over standard input: repeats folded, a NUL row and a broken row rejected by line, the rest stored once; a rerun stores nothing new', async () => {
    const examples = exampleRows();
    const lines: string[] = [];
    for (let i = 0; i < 4_600; i++) lines.push(JSON.stringify(variedRow(examples, i, 'CHUNK')));
    // Line 11 repeats line 10 in the same chunk; line 4,101 repeats it two chunks later.
    lines[10] = lines[9] as string;
    lines[4_100] = lines[9] as string;
    // Line 2,501: a NUL in a comment's body (text and jsonb both refuse it).
    const nul = variedRow(examples, 2_500, 'CHUNK') as ExampleRow & {
      ticket: { comments: { body: string }[] };
    };
    nul.ticket.comments = [
      { ...(nul.ticket.comments[0] ?? { author: 'a', at: '2026-01-01T00:00:00Z' }), body: 'a\0b' },
    ];
    lines[2_500] = JSON.stringify(nul);
    // Line 3,001: a NUL in the gold label's notes.
    const goldNul = variedRow(examples, 3_000, 'CHUNK');
    lines[3_000] = JSON.stringify({
      ...goldNul,
      gold: { ...(goldNul.gold as object), notes: '\0' },
    });
    // Line 1,235: cut off.
    lines[1_234] = '{"ticket": {"externalId": "CUT", "subject": "cut off';
    const text = `${lines.join('\n')}\n`;
    const distinct = 4_600 - 3 - 2;

    const rejectsPath = path.join(dir, 'chunks.rejects.jsonl');
    const first = await importOverStdin(text, rejectsPath);
    expect(first).toMatchObject({
      rows: 4_600,
      stored: 4_597,
      inserted: distinct,
      unchanged: 2,
      rejected: 3,
    });
    const rejects = await readRejects(rejectsPath);
    expect(rejects.map((r) => r.line)).toEqual([1_235, 2_501, 3_001]);
    expect(rejects[0]?.reason).toMatch(/^invalid JSON/);
    expect(rejects[1]?.reason).toMatch(/^ticket\.comments\.0\.body: contains a NUL character/);
    expect(rejects[2]?.reason).toMatch(/^gold\.notes: contains a NUL character/);

    const like = ['CHUNK-%'];
    expect(await count('SELECT count(*) AS n FROM tickets WHERE external_id LIKE $1', like)).toBe(
      distinct,
    );
    expect(
      await count(
        'SELECT count(*) AS n FROM gold_labels g JOIN tickets t ON t.id = g.ticket_id WHERE t.external_id LIKE $1',
        like,
      ),
    ).toBe(distinct);
    expect(
      await count(
        "SELECT count(*) AS n FROM tickets WHERE external_id LIKE $1 AND lane <> 'batch'",
        like,
      ),
    ).toBe(0);
    expect(
      await count(
        "SELECT count(*) AS n FROM tickets WHERE external_id IN ('CHUNK-2500', 'CHUNK-3000')",
      ),
    ).toBe(0);
    // The statement-level trigger put every new ticket on the triage list, once.
    expect(
      await count('SELECT count(*) AS n FROM triage_requests WHERE external_id LIKE $1', like),
    ).toBe(distinct);

    const again = await importOverStdin(text, rejectsPath);
    expect(again).toMatchObject({ rows: 4_600, stored: 4_597, inserted: 0, unchanged: 4_597 });
    expect(await count('SELECT count(*) AS n FROM tickets WHERE external_id LIKE $1', like)).toBe(
      distinct,
    );
    expect((await readRejects(rejectsPath)).map((r) => r.line)).toEqual([1_235, 2_501, 3_001]);
  });

  it('a value PostgreSQL refuses that no check foresaw (a lone surrogate) rejects that row alone; its chunk is stored', async () => {
    const examples = exampleRows();
    const lines: string[] = [];
    for (let i = 0; i < 50; i++) lines.push(JSON.stringify(variedRow(examples, i, 'SURR')));
    const bad = variedRow(examples, 20, 'SURR');
    lines[20] = JSON.stringify({
      ...bad,
      ticket: { ...bad.ticket, subject: 'broken \ud800 text' },
    });
    const file = path.join(dir, 'surrogate.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const s = await importFile(db.pool, file, { batchSize: 20 });
    expect(s).toMatchObject({ rows: 50, stored: 49, inserted: 49, rejected: 1 });
    const rejects = await readRejects(s.rejectsPath as string);
    expect(rejects).toEqual([
      { line: 21, reason: expect.stringMatching(/^PostgreSQL refused the row: .*surrogate/) },
    ]);
    expect(await count("SELECT count(*) AS n FROM tickets WHERE external_id LIKE 'SURR-%'")).toBe(
      49,
    );
  });

  it('two imports of the same file at once: each row stored once, every row counted by one of them, gold labels on all', async () => {
    const examples = exampleRows();
    const lines: string[] = [];
    for (let i = 0; i < 3_000; i++) lines.push(JSON.stringify(variedRow(examples, i, 'RACE')));
    const file = path.join(dir, 'race.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const [a, b] = await Promise.all([
      importFile(db.pool, file, { batchSize: 500, rejectsPath: path.join(dir, 'race-a.jsonl') }),
      importFile(db.pool, file, { batchSize: 500, rejectsPath: path.join(dir, 'race-b.jsonl') }),
    ]);
    expect(a).toMatchObject({ stored: 3_000, rejected: 0 });
    expect(b).toMatchObject({ stored: 3_000, rejected: 0 });
    expect(a.inserted + b.inserted).toBe(3_000);
    expect(a.gold).toBe(3_000);
    expect(b.gold).toBe(3_000);
    expect(await count("SELECT count(*) AS n FROM tickets WHERE external_id LIKE 'RACE-%'")).toBe(
      3_000,
    );
    expect(
      await count(
        "SELECT count(*) AS n FROM gold_labels g JOIN tickets t ON t.id = g.ticket_id WHERE t.external_id LIKE 'RACE-%'",
      ),
    ).toBe(3_000);
  });
});
