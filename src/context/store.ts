import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LOCKS, lockForTransaction } from '../db/locks.js';
import type { Pool, Queryable } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { sha256Hex } from '../ticket/hash.js';
import { readContextDir } from './files.js';
import { buildVocabulary, type Vocabulary } from './vocab.js';

export interface ContextFile {
  file: string;
  version: number;
  content: string;
  sha256: string;
}

/** The active version of every context file, and the vocabulary they define. */
export interface ContextSnapshot {
  files: ReadonlyMap<string, ContextFile>;
  vocab: Vocabulary;
  /** sha256 over every active file's sha: changes when any file changes. */
  key: string;
}

export function snapshotOf(files: ContextFile[]): ContextSnapshot {
  const map = new Map(files.map((f) => [f.file, f]));
  const contents = new Map(files.map((f) => [f.file, f.content]));
  const key = sha256Hex(
    [...map.values()]
      .sort((a, b) => a.file.localeCompare(b.file))
      .map((f) => `${f.file}:${f.sha256}`)
      .join('\n'),
  );
  return { files: map, vocab: buildVocabulary(contents), key };
}

/**
 * Seeds context_versions from the files on disk: a file with no version yet
 * gets version 1, active. Existing versions are never overwritten — the
 * database, not the checkout, is the source of truth once seeded.
 */
export async function seedContext(pool: Pool, dir: string): Promise<string[]> {
  const onDisk = await readContextDir(dir);
  const seeded: string[] = [];
  await withTransaction(pool, async (c) => {
    await c.query('LOCK TABLE context_versions IN SHARE ROW EXCLUSIVE MODE');
    for (const [file, content] of onDisk) {
      const r = await c.query(
        `INSERT INTO context_versions (file, version, content, sha256, author, note, active)
         SELECT $1, 1, $2, $3, 'seed', 'seeded from context/', true
         WHERE NOT EXISTS (SELECT 1 FROM context_versions WHERE file = $1)`,
        [file, content, sha256Hex(content)],
      );
      if (r.rowCount) seeded.push(file);
    }
  });
  return seeded;
}

export async function loadActiveFiles(db: Queryable): Promise<ContextFile[]> {
  const r = await db.query<ContextFile>(
    'SELECT file, version, content, sha256 FROM context_versions WHERE active ORDER BY file',
  );
  return r.rows;
}

/**
 * Creates a new version of a file and makes it active. Used by approvals and
 * restores; runs inside the caller's transaction.
 */
export async function activateNewVersion(
  db: Queryable,
  args: { file: string; content: string; author: string; note?: string },
): Promise<ContextFile> {
  await lockForTransaction(db, LOCKS.contextFile(args.file));
  const next = await db.query<{ v: number }>(
    'SELECT COALESCE(MAX(version), 0) + 1 AS v FROM context_versions WHERE file = $1',
    [args.file],
  );
  const version = next.rows[0]?.v ?? 1;
  await db.query('UPDATE context_versions SET active = false WHERE file = $1 AND active', [
    args.file,
  ]);
  const sha256 = sha256Hex(args.content);
  await db.query(
    `INSERT INTO context_versions (file, version, content, sha256, author, note, active)
     VALUES ($1, $2, $3, $4, $5, $6, true)`,
    [args.file, version, args.content, sha256, args.author, args.note ?? null],
  );
  return { file: args.file, version, content: args.content, sha256 };
}

/** Writes the active versions back to the context directory (for version control). */
export async function exportContext(db: Queryable, dir: string): Promise<string[]> {
  const files = await loadActiveFiles(db);
  for (const f of files) {
    const target = path.join(dir, f.file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, f.content);
  }
  return files.map((f) => f.file);
}

/**
 * Reads the active snapshot, re-reading contents only when a version changed:
 * one small query per job, so workers pick up approvals without a restart.
 */
export class ContextStore {
  private cached: ContextSnapshot | undefined;
  private cachedShas = '';

  constructor(private readonly db: Queryable) {}

  async active(): Promise<ContextSnapshot> {
    // The version is part of the key, not only the content: the QC prompt names
    // each file's version, so restoring a version whose text equals the active
    // one's still changes the QC context version every process must agree on.
    const r = await this.db.query<{ shas: string | null }>(
      `SELECT string_agg(file || ':' || version || ':' || sha256, ',' ORDER BY file) AS shas
       FROM context_versions WHERE active`,
    );
    const shas = r.rows[0]?.shas ?? '';
    if (!shas) throw new Error('no context versions: run `ticket-qc migrate` to seed context/');
    if (!this.cached || shas !== this.cachedShas) {
      this.cached = snapshotOf(await loadActiveFiles(this.db));
      this.cachedShas = shas;
    }
    return this.cached;
  }
}
