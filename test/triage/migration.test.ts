import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateNewVersion } from '../../src/context/store.js';
import { sha256Hex } from '../../src/ticket/hash.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * An installation seeded before issue 15 has an active agents/triage.md
 * without the "Intake check" section; migration 015 adds it as a new
 * version (as an approval would), once.
 */
const MIGRATION = readFileSync(
  new URL('../../src/db/migrations/015_writeback.sql', import.meta.url),
  'utf8',
);
const DATA_STEP = MIGRATION.slice(MIGRATION.indexOf('DO $$'));

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db?.drop());

describe('migration 015 and an existing triage prompt', () => {
  it('adds the Intake check section as a new active version, once', async () => {
    const seeded = await db.pool.query<{ content: string }>(
      "SELECT content FROM context_versions WHERE file = 'agents/triage.md' AND active",
    );
    const old = (seeded.rows[0]?.content ?? '').replace(
      /## Intake check[\s\S]*?(?=## Failure categories)/,
      '',
    );
    expect(old).not.toContain('## Intake check');
    const before = await activateNewVersion(db.pool, {
      file: 'agents/triage.md',
      content: old,
      author: 'test',
    });

    await db.pool.query(DATA_STEP);
    const active = await db.pool.query<{
      version: number;
      content: string;
      sha256: string;
      author: string;
    }>(
      "SELECT version, content, sha256, author FROM context_versions WHERE file = 'agents/triage.md' AND active",
    );
    const row = active.rows[0];
    expect(row?.version).toBe(before.version + 1);
    expect(row?.author).toBe('migration 015');
    expect(row?.content).toBe(seeded.rows[0]?.content);
    expect(row?.sha256).toBe(sha256Hex(row?.content ?? ''));

    await db.pool.query(DATA_STEP);
    const n = await db.pool.query("SELECT 1 FROM context_versions WHERE file = 'agents/triage.md'");
    expect(n.rowCount).toBe(before.version + 1);
  });
});
