import { userInfo } from 'node:os';
import pg from 'pg';
import type { Logger } from 'pino';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// BIGINT ids come back as strings by default; ours fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
// NUMERIC money stays a string in rows (exact); callers convert for display.

export interface PoolOptions {
  max?: number;
  logger?: Logger;
  applicationName?: string;
  /** How long a query may wait for a free connection (default 5 s). */
  queueTimeoutMs?: number;
  /** How long opening a connection may take (default 5 s): a server that does not answer is down. */
  connectTimeoutMs?: number;
  /**
   * node-postgres pipeline mode: a client sends the statements it is given
   * without waiting for each answer (each still gets its own result or
   * error). For callers that send several at once: the intake writer's
   * transaction goes in one round trip (withAdvisoryLocks).
   */
  pipeline?: boolean;
}

/** The message pg-pool gives a caller that waited queueTimeoutMs for a connection. */
const POOL_QUEUE_TIMEOUT = 'timeout exceeded when trying to connect';

/** True when the pool was busy: every connection stayed checked out for the whole queue wait. */
export function isPoolBusy(err: unknown): boolean {
  return err instanceof Error && err.message === POOL_QUEUE_TIMEOUT;
}

/**
 * A URL without a user name (the default `postgres://127.0.0.1:5432/ticket_qc`)
 * connects as PGUSER or the OS user, as psql does; `pg` alone would send none.
 */
export function withDefaultUser(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (!url.username) url.username = process.env.PGUSER ?? process.env.USER ?? userInfo().username;
  return url.toString();
}

/**
 * One pool per process, created by the entry point. An idle client's error
 * (PostgreSQL restarted, network cut) is logged, never thrown: unhandled, it
 * would crash the process.
 */
export function createPool(databaseUrl: string, opts: PoolOptions = {}): Pool {
  const connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
  // pg-pool has one timeout for both the wait for a free connection and the
  // connect; a client class of our own keeps the connect at its own (pg's
  // "timeout expired"), so a long queue wait never means a long wait on a dead server.
  class Client extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }
  }
  const pool = new pg.Pool({
    connectionString: withDefaultUser(databaseUrl),
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'ticket-qc',
    connectionTimeoutMillis: opts.queueTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    Client,
    ...(opts.pipeline ? { pipeline: true } : {}),
  });
  pool.on('error', (err) => {
    opts.logger?.warn({ err: err.message }, 'postgres idle client error (will reconnect)');
  });
  // The pool listens on idle clients only. A checked-out client that
  // PostgreSQL terminates (restart, pg_terminate_backend: 57P01) while its
  // holder awaits something else emits 'error' with nobody listening, and
  // Node turns that into a crash. The holder's next query fails on its own
  // (a 503 in the API, a deferred job in the worker); this listener only keeps
  // the event from being fatal. It stays for the client's life.
  pool.on('connect', (client) => {
    client.on('error', (err: Error & { code?: string }) => {
      opts.logger?.warn(
        { err: err.message, code: err.code },
        'postgres connection lost while checked out (its holder gets the error)',
      );
    });
  });
  return pool;
}

/** Run fn in a transaction; rolls back and rethrows on error. */
export async function withTransaction<T>(
  pool: Pool,
  fn: (c: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A pool or a client inside a transaction: repositories accept either. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;
