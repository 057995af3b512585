import type { Writable } from 'node:stream';
import type { Pool, PoolClient, Queryable } from './pool.js';

/**
 * Every PostgreSQL advisory lock the system takes, in one place. A lock key
 * is the SQL expression PostgreSQL locks on and its one parameter. The fixed
 * keys are distinct numbers; the per-item keys hash a text whose prefix names
 * the lock, so two registry entries never produce the same text. (A hashed key
 * equal to a fixed number is a 1-in-2^32 chance per item, and would only make
 * two unrelated pieces of work wait for each other, never run together.)
 *
 * The numbers and hash functions are those the processes used before this
 * registry existed, so a rolling deploy keeps old and new processes
 * excluding each other.
 */
export interface LockKey {
  /** For logs and tests. */
  readonly name: string;
  /** The bigint PostgreSQL locks on, computed from `$1`. */
  readonly expr: '$1::bigint' | 'hashtextextended($1, 0)' | 'hashtext($1)';
  readonly param: number | string;
}

const fixed = (name: string, id: number): LockKey => ({ name, expr: '$1::bigint', param: id });

export const LOCKS = {
  /** Serialises `migrate` runs: every process may migrate at start, one applies the files. */
  migrate: fixed('migrate', 7_242_019),
  /**
   * Serialises Message Batches passes (planning, submitting, polling,
   * ingesting): two submitters could each see a chunk `prepared` and create it
   * twice; two collectors would grade twice.
   */
  batch: fixed('batch', 7_242_020),
  /** Serialises chief-of-staff passes across every chief process: one proposal per repeated failure. */
  chiefPass: fixed('chief-pass', 7_242_005),
  /** One `patterns mine` run at a time (CLI or schedule): a batch is collected into one proposal. */
  patternsMine: fixed('patterns-mine', 7_242_021),
  /**
   * Serialises work on one ticket (source, external id) from the upsert of a
   * version until its job is scheduled, so two versions arriving together
   * cannot schedule the older one last. The reconciler takes it too.
   */
  ticket: (source: string, externalId: string): LockKey => ({
    name: 'ticket',
    expr: 'hashtextextended($1, 0)',
    param: `ticket:${source}:${externalId}`,
  }),
  /**
   * Serialises new versions of one context file (approvals, restores), held
   * for the writer's transaction: two approvals cannot both take version N+1.
   */
  contextFile: (file: string): LockKey => ({
    name: 'context-file',
    expr: 'hashtext($1)',
    param: `context:${file}`,
  }),
} as const;

export interface LockOptions {
  /** `wait` blocks until the lock is free; `try` returns undefined at once when it is held. */
  mode: 'wait' | 'try';
}

function isPool(db: Pool | PoolClient): db is Pool {
  return 'totalCount' in db;
}

/**
 * Runs `fn` holding a session-level advisory lock. Given a pool, the lock is
 * taken on a client of its own, handed to `fn`; given a client, on that
 * client. With `mode: 'try'`, returns undefined without running `fn` when
 * another session holds the lock. A killed holder's connection closes and
 * PostgreSQL releases the lock; a pool client that failed (or could not
 * unlock) is destroyed rather than returned, which releases it too.
 */
export async function withAdvisoryLock<T>(
  db: Pool | PoolClient,
  key: LockKey,
  fn: (client: PoolClient) => Promise<T>,
  opts: LockOptions,
): Promise<T | undefined> {
  const own = isPool(db);
  const client = own ? await db.connect() : db;
  let broken = false;
  try {
    const sql =
      opts.mode === 'wait'
        ? `SELECT pg_advisory_lock(${key.expr}) IS NULL AS locked`
        : `SELECT pg_try_advisory_lock(${key.expr}) AS locked`;
    const got = await client.query<{ locked: boolean }>(sql, [key.param]);
    if (opts.mode === 'try' && !got.rows[0]?.locked) return undefined;
    try {
      return await fn(client);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${key.expr})`, [key.param]).catch(() => {
        // A connection that cannot unlock is destroyed below, which releases the lock.
        broken = true;
      });
    }
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    if (own) client.release(broken);
  }
}

/** The one `expr` of several lock keys: none, or keys of two kinds, is a caller's bug. */
function oneKind(keys: readonly LockKey[], who: string): LockKey['expr'] {
  const expr = keys[0]?.expr;
  if (!expr) throw new Error(`${who}: no keys`);
  if (keys.some((k) => k.expr !== expr)) throw new Error(`${who}: keys of one kind only`);
  return expr;
}

/**
 * Runs `fn` holding several session-level advisory locks of one kind (the
 * same `expr`), taken in one statement in a fixed order — ascending lock key —
 * so two holders of overlapping sets cannot deadlock; a holder of one key (a
 * derived delivery) only waits, and the reconciler only tries its keys
 * (`withTryAdvisoryLocks`), never waiting. Waits for every lock. The
 * client comes from the pool; one that fails, or cannot unlock, is destroyed,
 * which releases whatever it held.
 */
export async function withAdvisoryLocks<T>(
  pool: Pool,
  keys: readonly LockKey[],
  fn: (client: PoolClient, tx: LockedTransaction) => Promise<T>,
): Promise<T> {
  const expr = oneKind(keys, 'withAdvisoryLocks');
  const params = [...new Set(keys.map((k) => String(k.param)))];
  const k = expr.replace('$1', 'p');
  const client = await pool.connect();
  // An error thrown by `fn` (a bad row) leaves a healthy connection: it is
  // kept when the unlock succeeds. Only a failed lock or unlock destroys it.
  let broken = true;
  // PostgreSQL evaluates a volatile output expression after the ORDER BY sort:
  // the locks are taken one by one in ascending key order.
  // Named statements (one per kind of key): parsed once per connection.
  const lock = {
    name: `advisory-locks:${expr}`,
    text: `SELECT pg_advisory_lock(k) FROM (SELECT DISTINCT ${k} AS k FROM unnest($1::text[]) AS p) s ORDER BY k`,
    values: [params],
  };
  try {
    if (!client.pipeline) {
      await client.query(lock);
      try {
        return await fn(client, { open: false });
      } finally {
        await unlock();
      }
    }
    // Pipelined: BEGIN and the locks are sent without waiting, and fn's first
    // statements follow in the same round trip. PostgreSQL runs them in order,
    // each statement with a snapshot taken after the locks are granted, and a
    // failed lock aborts the transaction, so nothing of fn's commits without it.
    // Corked until fn has sent what it sends before its first await (the rows and
    // the COMMIT): the round trip leaves in one write, not one per statement.
    const stream = socketOf(client);
    stream?.cork();
    let running: Promise<T>;
    let committed = false;
    const begun = client.query('BEGIN');
    const locked = client.query(lock);
    const settled = Promise.allSettled([begun, locked]);
    try {
      running = fn(client, {
        open: true,
        committed: () => {
          committed = true;
        },
      });
    } catch (err) {
      running = Promise.reject(err);
    } finally {
      stream?.uncork();
    }
    try {
      const out = await running;
      await Promise.all([begun, locked]);
      return out;
    } catch (err) {
      // The lock's own error says more than the "transaction is aborted" of what followed it.
      const [b, l] = await settled;
      if (b.status === 'rejected') throw b.reason;
      if (l.status === 'rejected') throw l.reason;
      throw err;
    } finally {
      // A transaction fn did not end is rolled back before the unlock (a
      // failure here leaves `broken`, and the connection is destroyed).
      if (!committed) await client.query('ROLLBACK').catch(() => undefined);
      await unlock();
    }
  } finally {
    client.release(broken);
  }

  async function unlock(): Promise<void> {
    if (await unlockAll(client, expr, params)) broken = false;
  }
}

/**
 * Releases session-level advisory locks of one kind in one statement (named:
 * parsed once per connection). False when it failed: the caller destroys the
 * connection, which releases them.
 */
async function unlockAll(
  client: PoolClient,
  expr: LockKey['expr'],
  params: readonly string[],
): Promise<boolean> {
  return client
    .query({
      name: `advisory-unlocks:${expr}`,
      text: `SELECT pg_advisory_unlock(${expr.replace('$1', 'p')}) FROM unnest($1::text[]) AS p`,
      values: [params],
    })
    .then(
      () => true,
      () => false,
    );
}

/**
 * Runs `fn` holding whichever of several session-level advisory locks (of one
 * kind) were free: each is tried, none waited for, all in one statement (so
 * the order cannot deadlock). `fn` gets the indexes of `keys` it holds — none,
 * some or all — on the client that holds them; they are released in one
 * statement after it. The client comes from the pool; one that cannot unlock
 * is destroyed, which releases whatever it held.
 */
export async function withTryAdvisoryLocks<T>(
  pool: Pool,
  keys: readonly LockKey[],
  fn: (client: PoolClient, held: ReadonlySet<number>) => Promise<T>,
): Promise<T> {
  const expr = oneKind(keys, 'withTryAdvisoryLocks');
  const params = keys.map((k) => String(k.param));
  const k = expr.replace('$1', 'p');
  const client = await pool.connect();
  let broken = true;
  let taken: string[] = [];
  try {
    // A key named twice is tried once: its second try would take it a second time.
    const r = await client.query<{ p: string; locked: boolean }>({
      name: `advisory-try-locks:${expr}`,
      text: `SELECT p, pg_try_advisory_lock(${k}) AS locked FROM (SELECT DISTINCT p FROM unnest($1::text[]) AS p) s`,
      values: [params],
    });
    taken = r.rows.filter((x) => x.locked).map((x) => x.p);
    const got = new Set(taken);
    const held = new Set<number>();
    params.forEach((p, i) => {
      if (got.has(p)) held.add(i);
    });
    try {
      return await fn(client, held);
    } finally {
      broken = taken.length > 0 && !(await unlockAll(client, expr, taken));
    }
  } finally {
    client.release(broken);
  }
}

/** The socket under a pg client (pg does not expose it in its types); undefined if it moves. */
function socketOf(client: PoolClient): Pick<Writable, 'cork' | 'uncork'> | undefined {
  const stream = (client as { connection?: { stream?: Partial<Writable> } }).connection?.stream;
  return typeof stream?.cork === 'function' && typeof stream.uncork === 'function'
    ? (stream as Writable)
    : undefined;
}

/**
 * What `withAdvisoryLocks` tells `fn` about the transaction: on a pipelined
 * client it has opened one (BEGIN, then the locks, not yet answered) that fn
 * must COMMIT, calling `committed()` once it has; otherwise there is none and
 * fn's statements commit as they run.
 */
export type LockedTransaction = { open: false } | { open: true; committed: () => void };

/** `withAdvisoryLock` in `wait` mode: always runs `fn`. */
export async function withAdvisoryLockWait<T>(
  db: Pool | PoolClient,
  key: LockKey,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  return (await withAdvisoryLock(db, key, fn, { mode: 'wait' })) as T;
}

/**
 * Takes a transaction-level advisory lock inside the caller's transaction;
 * PostgreSQL releases it at COMMIT or ROLLBACK.
 */
export async function lockForTransaction(tx: Queryable, key: LockKey): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(${key.expr})`, [key.param]);
}
