import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrate.js';
import { checkPrerequisites } from './prerequisites.js';
import { adminUrl, dbUrl } from './urls.js';

/**
 * Once per run: a template database with every migration applied. Each test
 * file clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds.
 */
export default async function setup(project: TestProject) {
  // Everything `npm test` needs, checked in the first second: a missing piece
  // fails the run here with the command that provides it (README "Quick start").
  await checkPrerequisites();
  const template = `ticketqc_tpl_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  // Leftovers from runs that were killed: every name carries its run's pid, and
  // only databases of runs no longer alive are dropped (runs may overlap).
  const stale = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'ticketqc_tpl_%'",
  );
  for (const row of stale.rows) {
    const pid = Number(/^ticketqc_tpl_(\d+)/.exec(row.datname)?.[1]);
    if (pid && pid !== process.pid && isAlive(pid)) continue;
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
    const mine = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${template}%`],
    );
    for (const row of mine.rows) {
      await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    }
    await admin.end();
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
  }
}
