import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startOutboxRelay } from '../../src/writeback/relay.js';
import { writebackSettingsOf } from '../../src/writeback/settings.js';
import { testConfig } from '../helpers/config.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { storeExamples } from '../helpers/pipeline.js';
import { cleanPrefix, testPrefix } from '../helpers/redis.js';
import { REDIS_URL } from '../helpers/urls.js';

/**
 * Issue 13: every graded ticket leaves an outbox row, and the relay's pass
 * over the rows of a source without write-back (the default) settles them
 * `off` in the statement that claims them — one statement a pass, not a claim
 * and then a settle. Rows of a source with write-back on are queued as
 * before, and the other reasons not to send (history, too old) are still
 * settled by the relay's own rule after the claim. Statements are counted on
 * the connections (`pg.Client#query`), as in test/qc/statement-groups.test.ts.
 */

let db: TestDb;
let ids: number[];
let redis: Redis;
const prefix = testPrefix();

beforeAll(async () => {
  db = await createTestDb();
  ids = await storeExamples(db, 12);
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  vi.restoreAllMocks();
  redis?.disconnect();
  await cleanPrefix(prefix);
  await db?.drop();
});

const SETTLE = 'UPDATE writeback_outbox o SET status = $3';

/** Outbox rows as the grade statement leaves them: pending, one per ticket. */
async function pending(rows: { ticketId: number; source: string; via?: string }[], cv: string) {
  const r = await db.pool.query<{ id: number }>(
    `INSERT INTO writeback_outbox (kind, ticket_id, source, external_id, context_version, via)
     SELECT 'qc', x.tid, x.source, 'EXT-' || x.tid, $2, x.via
       FROM jsonb_to_recordset($1::jsonb) AS x(tid bigint, source text, via text)
     RETURNING id`,
    [
      JSON.stringify(
        rows.map((x) => ({ tid: x.ticketId, source: x.source, via: x.via ?? 'realtime' })),
      ),
      cv,
    ],
  );
  return r.rows.map((x) => x.id);
}

/** One relay pass over what is pending, with the statements it sent. */
async function relayPass(env: Record<string, string>): Promise<{ texts: string[]; queue: Queue }> {
  const settings = {
    ...writebackSettingsOf(testConfig(env)),
    // No poll in the test: the pass at start and the one asked for are all there is.
    pollIntervalMs: 3_600_000,
  };
  const queue = new Queue('writeback', { connection: redis, prefix });
  const spy = vi.spyOn(pg.Client.prototype, 'query');
  try {
    const relay = await startOutboxRelay(
      { pool: db.pool, queue, settings, logger: pino({ level: 'silent' }) },
      { listen: false },
    );
    await relay.pass();
    await relay.stop();
    const texts = spy.mock.calls.map((c) => {
      const q = c[0] as string | { text?: string };
      return typeof q === 'string' ? q : (q.text ?? '');
    });
    return { texts, queue };
  } finally {
    spy.mockRestore();
  }
}

const statuses = async (outboxIds: number[]) =>
  (
    await db.pool.query<{ id: number; status: string; reason: string | null }>(
      'SELECT id, status, reason FROM writeback_outbox WHERE id = ANY($1) ORDER BY id',
      [outboxIds],
    )
  ).rows;

describe('the outbox relay’s statements', () => {
  it('rows of a source without write-back are settled off by the statement that claims them', async () => {
    const rows = await pending(
      ids.slice(0, 8).map((ticketId, i) => ({ ticketId, source: i % 2 ? 'examples' : 'halopsa' })),
      'cv-off',
    );
    const { texts, queue } = await relayPass({});
    // The claims (the pass asked for, and the one after it) and nothing else: no settle statement.
    expect(texts.filter((t) => t.includes(SETTLE))).toEqual([]);
    const claims = texts.filter((t) => t.includes('WITH claimed AS'));
    expect(
      texts.filter((t) => !t.includes('WITH claimed AS') && !/status = 'pending'/.test(t)),
    ).toEqual([]);
    expect(claims.length).toBeGreaterThan(0);
    const settled = await statuses(rows);
    expect(settled).toHaveLength(rows.length);
    for (const [i, r] of settled.entries())
      expect(r).toMatchObject({
        status: 'off',
        reason: `write-back is off for source ${i % 2 ? 'examples' : 'halopsa'}`,
      });
    expect(await queue.count()).toBe(0);
    await queue.close();
  });

  it('rows of a source with write-back on are queued in the same pass; history is still off', async () => {
    const [a, b, c, d] = ids.slice(8, 12) as [number, number, number, number];
    const rows = await pending(
      [
        { ticketId: a, source: 'zendesk' },
        { ticketId: b, source: 'halopsa' },
        { ticketId: c, source: 'zendesk', via: 'batch' },
        { ticketId: d, source: 'zendesk' },
      ],
      'cv-on',
    );
    const { texts, queue } = await relayPass({
      WRITEBACK_ZENDESK: 'note',
      ZENDESK_SUBDOMAIN: 'acme',
      ZENDESK_EMAIL: 'qc-bot@acme.example',
      ZENDESK_API_TOKEN: 'tok',
    });
    const settled = await statuses(rows);
    expect(settled.map((r) => r.status)).toEqual(['queued', 'off', 'off', 'queued']);
    expect(settled[1]?.reason).toBe('write-back is off for source halopsa');
    expect(settled[2]?.reason).toMatch(/history/);
    // The history row is the relay's own rule, after the claim: one settle statement for it.
    expect(texts.filter((t) => t.includes(SETTLE))).toHaveLength(1);
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs.map((j) => (j.data as { outboxId: number }).outboxId).sort()).toEqual(
      [rows[0], rows[3]].sort(),
    );
    await queue.close();
  });
});
