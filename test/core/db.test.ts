import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateNewVersion, ContextStore, seedContext } from '../../src/context/store.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { runCli } from '../helpers/cli.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { waitFor } from '../helpers/pipeline.js';
import { adminUrl } from '../helpers/urls.js';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

describe('database', () => {
  it('migrations are idempotent and safe to run from several processes at once', async () => {
    const pools = [createPool(db.url, { max: 1 }), createPool(db.url, { max: 1 })];
    const runs = await Promise.all(pools.map((p) => migrate(p)));
    expect(runs.map((r) => r.applied)).toEqual([[], []]); // the template already has them all
    const names = await db.pool.query<{ name: string }>(
      'SELECT name FROM schema_migrations ORDER BY name',
    );
    expect(names.rows[0]?.name).toBe('001_core.sql');
    expect(names.rows.length).toBeGreaterThanOrEqual(5);
    await Promise.all(pools.map((p) => p.end()));
  });

  it('a PostgreSQL restart (connections killed) never crashes the process; the pool reconnects', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => void warnings.push(s) });
    const pool = createPool(db.url, { max: 2, logger, applicationName: 'tqc-restart-test' });
    await pool.query('SELECT 1');
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tqc-restart-test'",
    );
    await admin.end();
    // The pool notices the killed connection: waited for on its log line.
    await waitFor('the idle client error', async () =>
      warnings.join('\n').includes('postgres idle client error'),
    );
    expect(warnings.join('\n')).toContain('postgres idle client error');
    const r = await pool.query<{ ok: number }>('SELECT 1 AS ok');
    expect(r.rows[0]?.ok).toBe(1);
    await pool.end();
  });

  it('seeding never overwrites the database’s versions; `context export` writes the active ones back', async () => {
    expect(await seedContext(db.pool, 'context')).toEqual([]); // already seeded
    const store = new ContextStore(db.pool);
    const before = await store.active();
    const rubric = `${before.files.get('rubric.md')?.content}\nApproved addition.\n`;
    await activateNewVersion(db.pool, { file: 'rubric.md', content: rubric, author: 'alice' });
    const after = await store.active();
    expect(after.files.get('rubric.md')?.version).toBe(2);
    expect(after.key).not.toBe(before.key);

    const dir = await mkdtemp(path.join(tmpdir(), 'tqc-export-'));
    const out = await runCli(testConfig({ DATABASE_URL: db.url }), [
      'context',
      'export',
      '--dir',
      dir,
    ]);
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('exported 6 files');
    expect(await readFile(path.join(dir, 'rubric.md'), 'utf8')).toBe(rubric);
    expect(await readFile(path.join(dir, 'agents/triage.md'), 'utf8')).toBe(
      await readFile('context/agents/triage.md', 'utf8'),
    );
  });
});
