import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { seedContext } from '../../src/context/store.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { adminUrl, dbUrl } from './urls.js';

export interface TestDb {
  name: string;
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh database cloned from the migrated template, with context/ seeded. */
export async function createTestDb(
  opts: { seed?: boolean; contextDir?: string } = {},
): Promise<TestDb> {
  // Named after the run's template, so a killed run's leftovers are found and dropped.
  const name = `${inject('templateDb')}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${inject('templateDb')}"`);
  } finally {
    await admin.end();
  }
  const url = dbUrl(name);
  const pool = createPool(url, { max: 5 });
  if (opts.seed !== false) await seedContext(pool, opts.contextDir ?? 'context');
  return {
    name,
    url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      const a = new pg.Client({ connectionString: adminUrl() });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}
