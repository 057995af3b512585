import { LOCKS, lockForTransaction } from './locks.js';
import type { Pool, Queryable } from './pool.js';
import { withTransaction } from './pool.js';

/**
 * context_versions rows: every version of every context file; exactly one
 * active per file. Seeded from context/ once, then changed only by
 * approvals and restores.
 */

export interface ContextFile {
  file: string;
  version: number;
  content: string;
  sha256: string;
}

export interface VersionRow {
  file: string;
  version: number;
  sha256: string;
  author: string;
  note: string | null;
  active: boolean;
  createdAt: Date;
  activatedAt: Date | null;
  activatedBy: string | null;
}

/** A version with when it was created and last re-activated (history replay). */
export interface HistoryRow extends ContextFile {
  id: number;
  created_at: Date;
  activated_at: Date | null;
}

/**
 * Inserts version 1, active, of each file that has no version yet; returns
 * the files seeded. Existing versions are never overwritten.
 */
export async function seedVersions(
  pool: Pool,
  files: Iterable<{ file: string; content: string; sha256: string }>,
): Promise<string[]> {
  const seeded: string[] = [];
  await withTransaction(pool, async (c) => {
    await c.query('LOCK TABLE context_versions IN SHARE ROW EXCLUSIVE MODE');
    for (const f of files) {
      const r = await c.query(
        `INSERT INTO context_versions (file, version, content, sha256, author, note, active)
         SELECT $1, 1, $2, $3, 'seed', 'seeded from context/', true
         WHERE NOT EXISTS (SELECT 1 FROM context_versions WHERE file = $1)`,
        [f.file, f.content, f.sha256],
      );
      if (r.rowCount) seeded.push(f.file);
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

/** One short string naming every active file's version and sha: changes when any does. */
export async function activeVersionKey(db: Queryable): Promise<string> {
  // The version is part of the key, not only the content: the QC prompt names
  // each file's version, so restoring a version whose text equals the active
  // one's still changes the QC context version every process must agree on.
  const r = await db.query<{ shas: string | null }>(
    `SELECT string_agg(file || ':' || version || ':' || sha256, ',' ORDER BY file) AS shas
     FROM context_versions WHERE active`,
  );
  return r.rows[0]?.shas ?? '';
}

/** Every active context file → its version. */
export async function activeFileVersions(db: Queryable): Promise<Record<string, number>> {
  const r = await db.query<{ file: string; version: number }>(
    'SELECT file, version FROM context_versions WHERE active ORDER BY file',
  );
  return Object.fromEntries(r.rows.map((x) => [x.file, x.version]));
}

/** The given (file, version) pairs. */
export async function filesAt(
  db: Queryable,
  versions: Record<string, number>,
): Promise<ContextFile[]> {
  const entries = Object.entries(versions);
  const r = await db.query<ContextFile>(
    `SELECT file, version, content, sha256 FROM context_versions
     WHERE (file, version) IN (SELECT * FROM unnest($1::text[], $2::int[]))`,
    [entries.map(([f]) => f), entries.map(([, v]) => v)],
  );
  return r.rows;
}

/** Every version ever stored, in creation order. */
export async function allVersions(db: Queryable): Promise<HistoryRow[]> {
  const r = await db.query<HistoryRow>(
    `SELECT id, file, version, content, sha256, created_at, activated_at
     FROM context_versions ORDER BY created_at, id`,
  );
  return r.rows;
}

export async function listVersions(db: Queryable, file: string): Promise<VersionRow[]> {
  const r = await db.query<VersionRow>(
    `SELECT file, version, sha256, author, note, active, created_at AS "createdAt",
       activated_at AS "activatedAt", activated_by AS "activatedBy"
     FROM context_versions WHERE file = $1 ORDER BY version DESC`,
    [file],
  );
  return r.rows;
}

/** The active version of a file, locked for the caller's transaction. */
export async function activeVersionForUpdate(
  db: Queryable,
  file: string,
): Promise<{ version: number; content: string } | undefined> {
  const r = await db.query<{ version: number; content: string }>(
    'SELECT version, content FROM context_versions WHERE file = $1 AND active FOR UPDATE',
    [file],
  );
  return r.rows[0];
}

export async function getVersion(
  db: Queryable,
  file: string,
  version: number,
): Promise<(ContextFile & { active: boolean }) | undefined> {
  const r = await db.query<ContextFile & { active: boolean }>(
    'SELECT file, version, content, sha256, active FROM context_versions WHERE file = $1 AND version = $2',
    [file, version],
  );
  return r.rows[0];
}

/**
 * Creates a new version of a file and makes it active, inside the caller's
 * transaction, holding the file's lock (`LOCKS.contextFile`).
 */
export async function insertActiveVersion(
  db: Queryable,
  args: { file: string; content: string; sha256: string; author: string; note?: string },
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
  await db.query(
    `INSERT INTO context_versions (file, version, content, sha256, author, note, active)
     VALUES ($1, $2, $3, $4, $5, $6, true)`,
    [args.file, version, args.content, args.sha256, args.author, args.note ?? null],
  );
  return { file: args.file, version, content: args.content, sha256: args.sha256 };
}

/**
 * Makes an existing version the active one again (the row itself, so its
 * context version is the same), inside the caller's transaction; returns the
 * version it replaced. The caller holds `LOCKS.contextFile`.
 */
export async function reactivateVersion(
  db: Queryable,
  args: { file: string; version: number; by: string },
): Promise<number | null> {
  const prev = await db.query<{ version: number }>(
    'UPDATE context_versions SET active = false WHERE file = $1 AND active RETURNING version',
    [args.file],
  );
  await db.query(
    `UPDATE context_versions SET active = true, activated_at = now(), activated_by = $3
     WHERE file = $1 AND version = $2`,
    [args.file, args.version, args.by],
  );
  return prev.rows[0]?.version ?? null;
}
