import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Chunk, storeChunk } from '../../src/import/chunk.js';
import { importFile } from '../../src/import/import.js';
import { parseRow } from '../../src/import/jsonl.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { exampleRows, variedRow } from './fixtures.js';

/**
 * Issue 13, point 6: a chunk none of whose versions is stored yet is COPied
 * straight into tickets and gold_labels; any other chunk goes through the
 * staging table and INSERT … ON CONFLICT. Both must leave the same rows.
 */

let direct: TestDb;
let staged: TestDb;
let dir: string;

beforeAll(async () => {
  [direct, staged] = await Promise.all([
    createTestDb({ seed: false }),
    createTestDb({ seed: false }),
  ]);
  dir = await mkdtemp(path.join(tmpdir(), 'tqc-import-paths-'));
});
afterAll(async () => {
  await Promise.all([direct?.drop(), staged?.drop()]);
  await rm(dir, { recursive: true, force: true });
});

/** Every stored column that does not depend on when or in which order rows were written. */
async function snapshot(db: TestDb, like: string) {
  const tickets = await db.pool.query(
    `SELECT source, external_id, content_hash, status, qc_status, assignee, subject, ticket,
            ticket_updated_at, lane, assignee_key, needs_thread_since
       FROM tickets WHERE external_id LIKE $1 ORDER BY external_id, content_hash`,
    [like],
  );
  const gold = await db.pool.query(
    `SELECT t.external_id, t.content_hash, g.gold, g.origin
       FROM gold_labels g JOIN tickets t ON t.id = g.ticket_id
      WHERE t.external_id LIKE $1 ORDER BY 1, 2`,
    [like],
  );
  const triage = await db.pool.query(
    `SELECT r.source, r.external_id, r.status, t.content_hash
       FROM triage_requests r JOIN tickets t ON t.id = r.ticket_id
      WHERE r.external_id LIKE $1 ORDER BY 1, 2`,
    [like],
  );
  return { tickets: tickets.rows, gold: gold.rows, triage: triage.rows };
}

/** Rows with the values COPY text must escape, labels on some, a repeat, two versions of one ticket. */
function rows(prefix: string): string[] {
  const examples = exampleRows();
  const lines: string[] = [];
  for (let i = 0; i < 700; i++) {
    const row = variedRow(examples, i, prefix);
    if (i % 7 === 0) row.ticket.subject = `tab\there, back\\slash, new\nline, CR\r, "quote" ${i}`;
    if (i % 5 === 0) delete row.gold;
    if (i % 11 === 0) delete row.ticket.assignee;
    lines.push(JSON.stringify(row));
  }
  lines.push(lines[3] as string); // a repeat: folded into one version
  const v2 = variedRow(examples, 4, prefix);
  v2.ticket.status = 'open';
  lines.push(JSON.stringify(v2)); // a second version of ticket 4: stored beside the first
  return lines;
}

describe('the first-import COPY path and the staging path', () => {
  it('store identical tickets, gold labels and triage requests; a re-import stores nothing through either', async () => {
    const file = path.join(dir, 'paths.jsonl');
    await writeFile(file, `${rows('PATH').join('\n')}\n`);
    const opts = { batchSize: 200, rejectsPath: path.join(dir, 'paths.rejects.jsonl') };

    const a = await importFile(direct.pool, file, opts);
    const b = await importFile(staged.pool, file, { ...opts, direct: false });
    // The last chunk repeats row 4, stored by the first: that chunk merges.
    expect(a).toMatchObject({ rows: 702, stored: 702, inserted: 701, rejected: 0, copied: 600 });
    expect(b).toMatchObject({ rows: 702, stored: 702, inserted: 701, rejected: 0, copied: 0 });
    expect(a.gold).toBe(b.gold);
    const snapA = await snapshot(direct, 'PATH-%');
    expect(snapA.tickets).toHaveLength(701);
    expect(snapA.gold.length).toBeGreaterThan(500);
    expect(snapA.triage).toHaveLength(700);
    expect(snapA).toEqual(await snapshot(staged, 'PATH-%'));

    // Every version stored now: the probe finds them and the chunks merge instead.
    const again = await importFile(direct.pool, file, opts);
    expect(again).toMatchObject({ stored: 702, inserted: 0, copied: 0 });
    expect(await snapshot(direct, 'PATH-%')).toEqual(snapA);
  });

  it('a chunk with some versions stored already merges the rest, as the staging path does', async () => {
    const lines = rows('MIX');
    const half = path.join(dir, 'mix-half.jsonl');
    const full = path.join(dir, 'mix.jsonl');
    await writeFile(half, `${lines.filter((_, i) => i % 2 === 0).join('\n')}\n`);
    await writeFile(full, `${lines.join('\n')}\n`);
    const opts = { batchSize: 300, rejectsPath: path.join(dir, 'mix.rejects.jsonl') };
    for (const [db, d] of [
      [direct, true],
      [staged, false],
    ] as const) {
      await importFile(db.pool, half, { ...opts, direct: d });
      const s = await importFile(db.pool, full, { ...opts, direct: d });
      expect(s).toMatchObject({ stored: 702, rejected: 0, copied: 0 });
    }
    expect(await snapshot(direct, 'MIX-%')).toEqual(await snapshot(staged, 'MIX-%'));
  });

  it('after a chunk of new versions the next is COPied without a probe: meeting a stored version there, it merges instead', async () => {
    const lines = rows('OPT');
    // Rows 300–599 stored first: chunk 1 (rows 0–299) is new and probed, chunk 2 is
    // COPied unasked and fails on a stored version, chunk 3 is probed again.
    const middle = path.join(dir, 'opt-middle.jsonl');
    const full = path.join(dir, 'opt.jsonl');
    await writeFile(middle, `${lines.slice(300, 600).join('\n')}\n`);
    await writeFile(full, `${lines.join('\n')}\n`);
    const opts = { batchSize: 300, rejectsPath: path.join(dir, 'opt.rejects.jsonl') };
    for (const [db, d] of [
      [direct, true],
      [staged, false],
    ] as const) {
      await importFile(db.pool, middle, { ...opts, direct: d });
      const s = await importFile(db.pool, full, { ...opts, direct: d });
      expect(s).toMatchObject({ stored: 702, inserted: 401, rejected: 0, copied: d ? 300 : 0 });
    }
    expect(await snapshot(direct, 'OPT-%')).toEqual(await snapshot(staged, 'OPT-%'));
  });

  it('a chunk COPied without a probe that meets a stored version merges through staging', async () => {
    const lines = rows('NOPROBE').slice(0, 50);
    const chunkOf = (from: number, to: number) => {
      const c = new Chunk();
      for (let i = from; i < to; i++) {
        const r = parseRow(i + 1, JSON.parse(lines[i] as string), { handChecked: true });
        if (!r.ok) throw new Error(r.reason);
        c.add(r.line, r.ticket, r.gold, r.ordered);
      }
      return c.take();
    };
    const first = await storeChunk(direct.pool, chunkOf(20, 30), { probe: false });
    expect(first).toMatchObject({ stored: 10, inserted: 10, copied: 10 });
    const all = await storeChunk(direct.pool, chunkOf(0, 50), { probe: false });
    expect(all).toMatchObject({ stored: 50, inserted: 40, copied: 0, rejects: [] });
    await storeChunk(staged.pool, chunkOf(0, 50), { direct: false });
    expect(await snapshot(direct, 'NOPROBE-%')).toEqual(await snapshot(staged, 'NOPROBE-%'));
  });

  it('an import killed mid-way and run again stores every row once: committed chunks are found, the rest COPied', async () => {
    const examples = exampleRows();
    const lines: string[] = [];
    for (let i = 0; i < 12_000; i++) lines.push(JSON.stringify(variedRow(examples, i, 'KILL')));
    const file = path.join(dir, 'kill.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const stored = async () =>
      Number(
        (
          await direct.pool.query<{ n: string }>(
            "SELECT count(*) AS n FROM tickets WHERE external_id LIKE 'KILL-%'",
          )
        ).rows[0]?.n,
      );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', 'batch', 'import', '--file', file],
      { env: { ...process.env, DATABASE_URL: direct.url, LOG_LEVEL: 'warn' }, stdio: 'ignore' },
    );
    const exited = once(child, 'exit');
    // Killed as soon as a first chunk is committed, long before the last.
    await vi.waitFor(async () => expect(await stored()).toBeGreaterThan(0), {
      timeout: 60_000,
      interval: 20,
    });
    child.kill('SIGKILL');
    await exited;
    const before = await stored();
    expect(before).toBeLessThan(12_000);
    expect(before % 2_000).toBe(0); // whole chunks only

    const again = await importFile(direct.pool, file, {
      rejectsPath: path.join(dir, 'kill.rejects.jsonl'),
    });
    expect(again).toMatchObject({ rows: 12_000, stored: 12_000, inserted: 12_000 - before });
    expect(again.copied).toBeGreaterThan(0);
    expect(await stored()).toBe(12_000);
    const labelled = lines.filter((l) => (JSON.parse(l) as { gold?: unknown }).gold).length;
    const gold = await direct.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM gold_labels g JOIN tickets t ON t.id = g.ticket_id WHERE t.external_id LIKE 'KILL-%'",
    );
    expect(Number(gold.rows[0]?.n)).toBe(labelled);
    const triage = await direct.pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM triage_requests WHERE external_id LIKE 'KILL-%'",
    );
    expect(Number(triage.rows[0]?.n)).toBe(12_000);
  });

  it('another writer storing a version between the probe and the COPY: the chunk starts over through staging, nothing lost or doubled', async () => {
    const lines = rows('RACEP').slice(0, 100);
    const file = path.join(dir, 'race.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    const opts = { batchSize: 500, rejectsPath: path.join(dir, 'race.rejects.jsonl') };

    // The version of row 10, as the staging path stored it elsewhere; another
    // writer stores it here in an open transaction: the probe cannot see it, and
    // the COPY must wait for it, then fail on the unique key once it commits.
    await importFile(staged.pool, file, { ...opts, direct: false });
    const version = (
      await staged.pool.query(
        `SELECT source, external_id, content_hash, status, assignee, subject, ticket::text AS ticket, ticket_updated_at
           FROM tickets WHERE external_id = 'RACEP-10'`,
      )
    ).rows[0] as Record<string, unknown>;
    const other = await direct.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO tickets (source, external_id, content_hash, status, assignee, subject, ticket, ticket_updated_at, lane)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, 'batch')`,
        [
          version.source,
          version.external_id,
          version.content_hash,
          version.status,
          version.assignee,
          version.subject,
          version.ticket,
          version.ticket_updated_at,
        ],
      );
      const importing = importFile(direct.pool, file, opts);
      await vi.waitFor(
        async () => {
          const waiting = await direct.pool.query(
            `SELECT 1 FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'COPY tickets%'`,
          );
          expect(waiting.rowCount).toBe(1);
        },
        { timeout: 20_000, interval: 20 },
      );
      await other.query('COMMIT');
      const s = await importing;
      expect(s).toMatchObject({ rows: 100, stored: 100, inserted: 99, copied: 0, rejected: 0 });
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      other.release();
    }
    expect(await snapshot(direct, 'RACEP-%')).toEqual(await snapshot(staged, 'RACEP-%'));
  });
});
