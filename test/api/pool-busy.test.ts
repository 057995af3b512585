import { createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { ContextStore } from '../../src/context/store.js';
import { createPool, isPoolBusy } from '../../src/db/pool.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { fixture, secretEnv, signedHeaders } from './helpers.js';

/**
 * Issue 13: the API's pool waits for a free connection (60 s in production)
 * but gives up on a server that does not answer the connect after 5 s; each
 * ends as a 503 that says which it was, never a 500.
 */

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db?.drop();
});

async function post(app: Awaited<ReturnType<typeof buildApp>>) {
  const body = fixture('generic/ticket.json');
  return app.inject({
    method: 'POST',
    url: '/webhooks/generic',
    payload: body,
    headers: signedHeaders('generic', body),
  });
}

describe('API pool limits', () => {
  it('every connection busy past the queue wait: 503 database_busy with Retry-After', async () => {
    const config = testConfig({ DATABASE_URL: db.url, ...secretEnv });
    const pool = createPool(db.url, { max: 1, queueTimeoutMs: 300 });
    const held = await pool.connect();
    const app = await buildApp({
      config,
      pool,
      contexts: new ContextStore(pool),
      logger: pino({ level: 'silent' }),
    });
    try {
      const res = await post(app);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().error.code).toBe('database_busy');
      expect(res.json().error.message).toMatch(/busy/);
      await expect(pool.query('SELECT 1')).rejects.toSatisfy(isPoolBusy);
    } finally {
      held.release();
      await app.close();
      await pool.end();
    }
  });

  it('a server that accepts but never answers: the connect gives up after connectTimeoutMs (503 database_unavailable), however long the queue wait', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const url = `postgres://postgres@127.0.0.1:${port}/none`;
    const config = testConfig({ DATABASE_URL: url, ...secretEnv });
    const pool = createPool(url, { max: 1, queueTimeoutMs: 60_000, connectTimeoutMs: 300 });
    const app = await buildApp({
      config,
      pool,
      contexts: new ContextStore(pool),
      logger: pino({ level: 'silent' }),
    });
    try {
      const started = performance.now();
      const res = await post(app);
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('database_unavailable');
      expect(performance.now() - started).toBeLessThan(30_000);
    } finally {
      await app.close();
      await pool.end().catch(() => undefined);
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
