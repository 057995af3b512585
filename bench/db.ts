/**
 * The one way a benchmark gets a database: a fresh, uniquely named database
 * on the server of DATABASE_URL (user, password, host, port and options
 * kept; only the database name replaced), migrated and optionally seeded
 * with context/, and dropped afterwards — never a fixed name, never anyone
 * else's database, so a bench is safe to run next to tests, other benches
 * and a live deployment on the same server.
 *
 * The name carries the bench, the pid and random bytes; `drop()` is
 * idempotent and also runs on SIGINT/SIGTERM, so an interrupted run does not
 * leave its database behind.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface BenchDb {
  name: string;
  /** DATABASE_URL with this database's name. */
  url: string;
  drop(): Promise<void>;
}

/** DATABASE_URL, else the test server (trust auth as user postgres). */
export function serverUrl(): URL {
  return new URL(
    process.env.DATABASE_URL ??
      process.env.TEST_DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
  );
}

export function urlFor(database: string): string {
  const u = serverUrl();
  u.pathname = `/${database}`;
  return u.toString();
}

/** A connection for CREATE/DROP DATABASE: the maintenance database of the same server. */
async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: urlFor('postgres') });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export function benchDbName(label: string): string {
  const safe = label.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `ticketqc_bench_${safe}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function createBenchDb(
  label: string,
  opts: { migrate?: boolean; contextDir?: string } = {},
): Promise<BenchDb> {
  const name = benchDbName(label);
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  let dropped: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    void drop().finally(() => process.kill(process.pid, signal));
  };
  const drop = (): Promise<void> => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // WITH (FORCE): only ever on this run's own, uniquely named database.
    dropped ??= admin(async (c) => {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
    return dropped;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const db: BenchDb = { name, url: urlFor(name), drop };
  try {
    if (opts.migrate !== false) {
      const { createPool } = await import('../src/db/pool.js');
      const { migrate } = await import('../src/db/migrate.js');
      const pool = createPool(db.url, { max: 1 });
      try {
        await migrate(pool);
        if (opts.contextDir) {
          const { seedContext } = await import('../src/context/store.js');
          await seedContext(pool, opts.contextDir);
        }
      } finally {
        await pool.end();
      }
    }
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return db;
}

/** Runs `fn` with a fresh database and drops it afterwards, whatever happens. */
export async function withBenchDb<T>(
  label: string,
  opts: { migrate?: boolean; contextDir?: string },
  fn: (db: BenchDb) => Promise<T>,
): Promise<T> {
  const db = await createBenchDb(label, opts);
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}
