import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  activeVersionKey,
  type ContextFile,
  insertActiveVersion,
  loadActiveFiles,
  seedVersions,
} from '../db/context-versions.js';
import type { Pool, Queryable } from '../db/pool.js';
import { sha256Hex } from '../ticket/hash.js';
import { readContextDir } from './files.js';
import { buildVocabulary, type Vocabulary } from './vocab.js';

export type { ContextFile };

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
  return seedVersions(
    pool,
    [...onDisk].map(([file, content]) => ({ file, content, sha256: sha256Hex(content) })),
  );
}

/**
 * Creates a new version of a file and makes it active. Used by approvals and
 * restores; runs inside the caller's transaction.
 */
export async function activateNewVersion(
  db: Queryable,
  args: { file: string; content: string; author: string; note?: string },
): Promise<ContextFile> {
  return insertActiveVersion(db, { ...args, sha256: sha256Hex(args.content) });
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
    // Keyed on every active file's version, not only its content (see activeVersionKey).
    return this.forKey(await activeVersionKey(this.db));
  }

  /**
   * The snapshot for a key read by the caller (the QC job reads it in the
   * statement that loads its ticket, issue 13): contents are re-read only
   * when the key changed.
   */
  async forKey(shas: string): Promise<ContextSnapshot> {
    if (!shas) throw new Error('no context versions: run `ticket-qc migrate` to seed context/');
    if (!this.cached || shas !== this.cachedShas) {
      this.cached = snapshotOf(await loadActiveFiles(this.db));
      this.cachedShas = shas;
    }
    return this.cached;
  }

  /** The snapshot last read and its key, without a query; undefined before the first read. */
  last(): { key: string; snapshot: ContextSnapshot } | undefined {
    return this.cached ? { key: this.cachedShas, snapshot: this.cached } : undefined;
  }
}
