import type { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { upsertTicket } from '../../src/db/tickets.js';
import { createRedis } from '../../src/queue/connection.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { Ticket } from '../../src/ticket/schema.js';
import { startTriage, type TriageLoops } from '../../src/triage/index.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';

/**
 * Issue 13: each new ticket leaves a triage request, and the triage relay's
 * pass reads the tickets' creation times (history or not) in the statement
 * that claims the requests — not in a second one. Statements are counted on
 * the connections (`pg.Client#query`), as in test/qc/statement-groups.test.ts.
 */

let db: TestDb;
let rt: Runtime;
let triage: TriageLoops | undefined;
const redis: Redis[] = [];
const prefix = testPrefix();

beforeAll(async () => {
  db = await createTestDb();
  const config = testConfig({
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    // No poll in the test: the pass at start is the only one.
    TRIAGE_POLL_INTERVAL: '1h',
  });
  rt = createRuntime(config, { logger: pino({ level: 'silent' }), pool: db.pool });
  for (let i = 0; i < 2; i++) redis.push(createRedis(config.REDIS_URL, 'worker'));
});
afterAll(async () => {
  vi.restoreAllMocks();
  await triage?.close();
  for (const r of redis) r.disconnect();
  await cleanPrefix(prefix).catch(() => undefined);
  await db?.drop();
});

const old = (externalId: string) =>
  Ticket.parse({
    source: 'zendesk',
    externalId,
    subject: 'Help',
    description: 'Outlook is broken.',
    status: 'new',
    requester: { name: 'Sam Lee', email: 'sam@client.example' },
    createdAt: '2020-01-01T10:00:00Z',
    updatedAt: '2020-01-01T10:00:00Z',
  });

describe('the triage relay’s statements', () => {
  it('a pass claims the requests and reads their tickets’ creation times in one statement', async () => {
    const keys = ['7001', '7002', '7003', '7004'];
    for (const k of keys) await upsertTicket(db.pool, old(k));
    const spy = vi.spyOn(pg.Client.prototype, 'query');
    let texts: string[];
    try {
      const [a, b] = redis as [Redis, Redis];
      triage = await startTriage(rt, { connection: a, producer: b, prefix });
      // The pass started with the loops (pass() hands back the one running).
      await triage.pass();
      texts = spy.mock.calls
        .map((c) => {
          const q = c[0] as string | { text?: string };
          return typeof q === 'string' ? q : (q.text ?? '');
        })
        .filter((t) => /triage_requests|FROM tickets/.test(t) && !t.startsWith('LISTEN'));
    } finally {
      spy.mockRestore();
    }
    // The claim, then the settle of the history it found: no read of the tickets between.
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/SET status = 'queued'/);
    expect(texts[1]).toMatch(/SET status = \$3/);
    const r = await db.pool.query<{ status: string; reason: string }>(
      'SELECT status, reason FROM triage_requests WHERE external_id = ANY($1)',
      [keys],
    );
    expect(r.rows).toHaveLength(keys.length);
    for (const row of r.rows) expect(row).toMatchObject({ status: 'skipped', reason: /history/ });
  });
});
