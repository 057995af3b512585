import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateNewVersion, ContextStore } from '../../src/context/store.js';
import { withTransaction } from '../../src/db/pool.js';
import { qcContextOf } from '../../src/qc/context.js';
import { createTestDb, type TestDb } from '../helpers/db.js';

/**
 * A running worker's ContextStore and a freshly started one must agree on the
 * QC context version, or the same ticket is graded (and paid for) once under
 * each. The QC prompt names each file's version, so a change of the active
 * version is a new context even when the text is the same.
 */

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.drop();
});

describe('ContextStore', () => {
  it('notices a restore of a version whose text equals the active one', async () => {
    const running = new ContextStore(db.pool);
    const v1 = (await running.active()).files.get('standards.md');
    if (!v1) throw new Error('standards.md is not seeded');
    // An approved revision that happens to bring back the seeded text: v2, same sha256.
    await withTransaction(db.pool, (c) =>
      activateNewVersion(c, { file: 'standards.md', content: v1.content, author: 'dana' }),
    );
    const atV2 = qcContextOf(await running.active());
    expect(atV2.fileVersions['standards.md']).toBe(2);

    // A reviewer restores v1 (the row itself is re-activated, as restoreVersion does).
    await withTransaction(db.pool, async (c) => {
      await c.query(`UPDATE context_versions SET active = false WHERE file = 'standards.md'`);
      await c.query(
        `UPDATE context_versions SET active = true, activated_at = now()
         WHERE file = 'standards.md' AND version = 1`,
      );
    });
    const fresh = qcContextOf(await new ContextStore(db.pool).active());
    const seen = qcContextOf(await running.active());
    expect(fresh.fileVersions['standards.md']).toBe(1);
    expect(seen.version).toBe(fresh.version);
    expect(seen.version).not.toBe(atV2.version);
  });
});
