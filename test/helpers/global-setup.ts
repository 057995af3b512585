import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrate.js';
import { adminUrl, dbUrl } from './urls.js';

/**
 * Once per run: a template database with every migration applied. Each test
 * file clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds.
 */
export default async function setup(project: TestProject) {
  const template = `ticketqc_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  // Leftovers from runs that were killed.
  const stale = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'ticketqc_t%' AND datname <> $1",
    [template],
  );
  for (const row of stale.rows) {
    await admin
      .query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`)
      .catch(() => undefined);
  }
  await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${template}"`);
  const pool = new pg.Pool({ connectionString: dbUrl(template), max: 1 });
  await migrate(pool);
  await pool.end();
  project.provide('templateDb', template);
  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await admin.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}
